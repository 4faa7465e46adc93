import { describe, expect, it } from 'vitest';
import { emptyMarks, reduceMarks, type MarksState } from '../src/marks/state';

const pin = (type: 'pin.added' | 'pin.removed', chat: number, id: number) =>
  ({ type, chat_id: chat, workspace_id: 1, actor_id: 2, pin: { message_id: id, user_id: 2 } });
const saved = (type: 'saved.added' | 'saved.removed', id: number) =>
  ({ type, chat_id: 5, workspace_id: 1, actor_id: 2, saved: { message_id: id, user_id: 2 } });

describe('pins and saved marks', () => {
  it('keeps loaded lists current and bumps versions, once per change', () => {
    let s: MarksState = { ...emptyMarks, pinned: { 5: [1] }, saved: [] };
    s = reduceMarks(s, 'pin.added', pin('pin.added', 5, 9));
    s = reduceMarks(s, 'pin.added', pin('pin.added', 5, 9)); // a replayed event
    expect(s.pinned[5]).toEqual([1, 9]);
    expect(s.pinVersion[5]).toBe(2);
    s = reduceMarks(s, 'pin.removed', pin('pin.removed', 5, 1));
    expect(s.pinned[5]).toEqual([9]);
    s = reduceMarks(s, 'saved.added', saved('saved.added', 9));
    expect(s.saved).toEqual([9]);
    s = reduceMarks(s, 'saved.removed', saved('saved.removed', 9));
    expect(s.saved).toEqual([]);
    expect(s.savedVersion).toBe(2);
  });

  it('leaves lists not loaded unloaded, and other events alone', () => {
    let s = reduceMarks(emptyMarks, 'pin.added', pin('pin.added', 7, 3));
    expect(s.pinned[7]).toBeUndefined();
    expect(s.pinVersion[7]).toBe(1);
    s = reduceMarks(s, 'saved.added', saved('saved.added', 3));
    expect(s.saved).toBeNull();
    expect(reduceMarks(s, 'message.created', {})).toBe(s);
  });
});
