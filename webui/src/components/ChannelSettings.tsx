import { useEffect, useState } from 'react';
import { describe } from '../api/errors';
import type { Chat } from '../api/types';
import * as actions from '../app/actions';
import { canAdmin } from '../state/workspaces';
import { chatMembers, session, ui, workspaces } from '../stores';
import { useStore } from '../stores/store';
import { Avatar } from './common';

/** isChannel says whether a chat is a public or private channel. */
export function isChannel(chat: Chat): boolean {
  return chat.type === 'public_channel' || chat.type === 'private_channel';
}

/** ChannelSettings is the side panel to rename a channel, change its topic
 * and description, archive, unarchive or delete it, set member roles and
 * leave. The server decides who may; the panel hides what the person
 * cannot do and shows the server's words when it refuses. */
export function ChannelSettings({ chat }: { chat: Chat }) {
  const me = useStore(session, (s) => s.user?.id ?? 0);
  const ws = useStore(workspaces, (s) => s.list.find((w) => w.id === chat.workspace_id));
  const members = useStore(chatMembers, (s) => s.byChat[chat.id]);
  const admin = canAdmin(ws) || chat.my_role === 'admin';
  const canDelete = chat.created_by === me || canAdmin(ws);
  const archived = !!chat.archived_at;
  const [name, setName] = useState(chat.name);
  const [topic, setTopic] = useState(chat.topic);
  const [description, setDescription] = useState(chat.description ?? '');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    setName(chat.name);
    setTopic(chat.topic);
    setDescription(chat.description ?? '');
  }, [chat.id, chat.name, chat.topic, chat.description]);
  const close = () => ui.set((s) => ({ ...s, panel: 'none' }));
  const run = async (f: () => Promise<void>) => {
    setError(null);
    setSaved(false);
    try {
      await f();
    } catch (e) {
      setError(describe(e));
    }
  };
  const save = () => run(async () => {
    await actions.updateChat(chat.id, { ...(chat.name ? { name } : {}), topic, description });
    setSaved(true);
  });
  const editable = admin && !archived && chat.type !== 'direct';
  return (
    <aside className="panel settings-panel" aria-label="Channel settings" onKeyDown={(e) => e.key === 'Escape' && close()}>
      <div className="panel-head">
        <h2>Settings</h2>
        <button className="icon-btn" aria-label="Close settings" onClick={close}>✕</button>
      </div>
      <div className="panel-body padded">
        {archived && <p className="notice" role="status">This channel is archived: it is read-only and not listed in the channel browser.</p>}
        <form onSubmit={(e) => { e.preventDefault(); void save(); }}>
          {chat.name !== '' && (
            <label className="field">
              <span>Name</span>
              <input className="input" value={name} onChange={(e) => setName(e.target.value)} disabled={!editable} maxLength={80} data-testid="settings-name" />
            </label>
          )}
          <label className="field">
            <span>Topic</span>
            <input className="input" value={topic} onChange={(e) => setTopic(e.target.value)} disabled={!editable} maxLength={250} data-testid="settings-topic" />
          </label>
          <label className="field">
            <span>Description</span>
            <textarea className="input" rows={4} value={description} onChange={(e) => setDescription(e.target.value)} disabled={!editable} maxLength={1000} data-testid="settings-description" />
          </label>
          {editable && <button className="btn primary" type="submit">Save</button>}
          {saved && <span role="status"> Saved.</span>}
        </form>
        {error && <p className="field-error" role="alert">{error}</p>}
      </div>
      {isChannel(chat) && (
        <div className="panel-body padded">
          <h3 className="panel-sub">Members and roles</h3>
          <ul className="list">
            {(members ?? []).map((m) => (
              <li className="member" key={m.user.id}>
                <Avatar id={m.user.id} name={m.user.display_name} />
                <span className="who">
                  {m.user.display_name}{m.user.id === me ? ' (you)' : ''}
                  <small>{m.role === 'admin' ? 'Channel admin' : 'Member'}</small>
                </span>
                {admin && m.user.id !== me && (
                  <button className="btn small" onClick={() => void run(() => actions.setChatMemberRole(chat.id, m.user.id, m.role === 'admin' ? 'member' : 'admin'))}>
                    {m.role === 'admin' ? 'Make member' : 'Make admin'}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="panel-body padded row wrap">
        {isChannel(chat) && admin && (
          <button className="btn" onClick={() => void run(() => actions.archiveChat(chat.id, !archived))}>
            {archived ? 'Unarchive channel' : 'Archive channel'}
          </button>
        )}
        {chat.type !== 'direct' && (
          <button className="btn danger" onClick={() => { if (confirm('Leave this chat?')) void actions.leaveChat(chat.id); }}>Leave</button>
        )}
        {canDelete && chat.type !== 'direct' && (
          <button className="btn danger" onClick={() => {
            if (confirm(`Delete ${chat.name ? `#${chat.name}` : 'this chat'} and all its messages for everyone?`)) void run(() => actions.deleteChat(chat.id));
          }}>Delete</button>
        )}
      </div>
    </aside>
  );
}
