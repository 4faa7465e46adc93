import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { describe } from '../api/errors';
import type { Chat, Message } from '../api/types';
import * as actions from '../app/actions';
import { timeOf } from '../format';
import { navigate } from '../router';
import { chats, ui } from '../stores';
import { useStore } from '../stores/store';
import { Avatar } from './common';
import { useMarksVersion } from '../marks/marks';

type Kind = 'pins' | 'saved' | 'mentions';

const titles: Record<Kind, string> = { pins: 'Pinned messages', saved: 'Saved messages', mentions: 'Mentions' };
const empty: Record<Kind, string> = {
  pins: 'Nothing is pinned here yet. Pin a message with 📌 in its actions.',
  saved: 'You have not saved any message yet. Save one with 🔖 in its actions.',
  mentions: 'Nobody has mentioned you yet.',
};

function load(kind: Kind, chat?: Chat): Promise<Message[]> {
  if (kind === 'pins' && chat) return api.pins(chat.id);
  if (kind === 'saved') return api.saved();
  return api.mentions(false);
}

/** MessagePanel lists pinned messages of a chat, the person's saved
 * messages, or the messages that mention them; each opens at its place in
 * its chat. */
export function MessagePanel({ kind, chat }: { kind: Kind; chat?: Chat | undefined }) {
  const [list, setList] = useState<Message[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const byId = useStore(chats, (s) => s.byId);
  const reload = () => load(kind, chat).then(setList, (e) => setError(describe(e)));
  useEffect(() => {
    setList(null);
    void reload();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [kind, chat?.id]);
  // A pin or bookmark changed (here, in another tab or by another member).
  const version = useMarksVersion(kind, chat?.id);
  useEffect(() => {
    if (version > 0) void reload();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [version]);
  const close = () => ui.set((s) => ({ ...s, panel: 'none' }));
  const open = (m: Message) => navigate({ name: 'chat', ws: m.workspace_id, chat: m.chat_id, seq: m.seq });
  return (
    <aside className="panel" aria-label={titles[kind]} onKeyDown={(e) => e.key === 'Escape' && close()}>
      <div className="panel-head">
        <h2>{titles[kind]}</h2>
        <button className="icon-btn" aria-label={`Close ${titles[kind].toLowerCase()}`} onClick={close}>✕</button>
      </div>
      <div className="panel-body" data-testid={`${kind}-panel`}>
        {error && <p className="panel-empty field-error" role="alert">{error}</p>}
        {list === null && !error && <p className="panel-empty" aria-busy="true">Loading…</p>}
        {list?.length === 0 && <p className="panel-empty">{empty[kind]}</p>}
        <ul className="list">
          {list?.map((m) => {
            const c = byId[m.chat_id];
            return (
              <li key={m.id} className="panel-item">
                <button className="hit" onClick={() => open(m)}>
                  <Avatar id={m.sender.id} name={m.sender.display_name} size="small" />
                  <span className="grow">
                    <span className="meta">
                      <strong>{m.sender.display_name}</strong>
                      {kind !== 'pins' && c?.name ? <span>#{c.name}</span> : null}
                      <span>{timeOf(m.created_at)}</span>
                    </span>
                    <span className="text">{m.content}</span>
                  </span>
                </button>
                {kind !== 'mentions' && (
                  <button className="btn small" onClick={() => {
                    const f = kind === 'pins' ? actions.togglePin(m, false) : actions.toggleSaved(m, false);
                    void f.then(reload, (e: unknown) => actions.report(e));
                  }}>{kind === 'pins' ? 'Unpin' : 'Remove'}</button>
                )}
              </li>
            );
          })}
        </ul>
      </div>
    </aside>
  );
}
