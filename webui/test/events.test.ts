import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STORED_EVENT_TYPES, type StoredEvent } from '../src/api/events.gen';
import { EVENT_TYPES } from '../src/app/stream';
import { emptyData, reduceEvent, type AppData, type EventContext } from '../src/state/events';

// The payloads the server's use cases write, pinned by the Go test
// TestEventPayloadsGolden: one line per event, "<type> <json>".
const golden = readFileSync(new URL('../../internal/chat/testdata/events.golden', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => {
    const json = line.slice(line.indexOf(' ') + 1).replaceAll('"<time>"', '"2026-01-01T00:00:00Z"');
    return JSON.parse(json) as StoredEvent;
  });

describe('stored events', () => {
  it('the stream listens to every stored event type', () => {
    for (const t of STORED_EVENT_TYPES) expect(EVENT_TYPES).toContain(t);
  });

  it('the golden payloads cover every stored event type', () => {
    expect(new Set(golden.map((e) => e.type))).toEqual(new Set(STORED_EVENT_TYPES));
  });

  it('the reducer applies what the server writes, in order', () => {
    const ctx: EventContext = { me: 1, activeChatId: null, visible: true, now: 0 };
    let data: AppData = emptyData;
    const seen: string[] = [];
    for (const e of golden) {
      const before = e.type === 'member.joined' ? data.chats.byId[e.chat_id]?.member_count : undefined;
      data = reduceEvent(data, e.type, e, ctx).data;
      if (e.type === 'chat.created' && e.chat.type === 'public_channel') {
        expect(data.chats.byId[e.chat.id]?.name).toBe(e.chat.name); // #general, #random, then #hall
        expect(e.chat.name).not.toBe('');
      }
      if (e.type === 'member.joined') {
        expect(data.chats.byId[e.chat_id]?.member_count).toBe((before ?? 0) + 1);
      }
      seen.push(e.type);
    }
    expect(seen.at(-1)).toBe('workspace.deleted');
    expect(Object.keys(data.chats.byId)).toEqual([]); // the workspace and its chats are gone
  });
});
