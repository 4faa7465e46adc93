import { useState, type FormEvent } from 'react';
import type { Chat, ChatType, ID } from '../api/types';
import { describe } from '../api/errors';
import * as actions from '../app/actions';
import { href, navigate, useRoute } from '../router';
import { chatsOf } from '../state/chats';
import { chats, session, ui, workspaces } from '../stores';
import { NONE, useStore } from '../stores/store';
import { canAdmin } from '../state/workspaces';
import { initials } from '../format';
import { Avatar, Dialog, PresenceDot } from './common';
import { chatIcon, useChatTitle, useDirectPeer } from './chatInfo';
import { StatusBadge } from '../profile/ProfileCard';
import { useCanCreateWorkspace } from './useInstance';

export function WorkspaceRail() {
  const list = useStore(workspaces, (s) => s.list);
  const current = useStore(workspaces, (s) => s.currentId);
  const [creating, setCreating] = useState(false);
  const canCreate = useCanCreateWorkspace();
  return (
    <nav className="rail" aria-label="Workspaces">
      {list.map((w) => (
        <button
          key={w.id}
          className="rail-ws"
          aria-current={w.id === current ? 'true' : undefined}
          aria-label={`Workspace ${w.name}`}
          title={w.name}
          onClick={() => void actions.selectWorkspace(w.id, true)}
        >
          {initials(w.name)}
        </button>
      ))}
      {canCreate && (
        <button className="rail-ws add" aria-label="Create a workspace" title="Create a workspace" onClick={() => setCreating(true)}>
          +
        </button>
      )}
      <div className="spacer" />
      {creating && <CreateWorkspaceDialog onClose={() => setCreating(false)} />}
    </nav>
  );
}

function CreateWorkspaceDialog({ onClose }: { onClose: () => void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await actions.createWorkspace(name.trim());
      onClose();
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title="Create a workspace" onClose={onClose}>
      <form onSubmit={submit}>
        <h2>Create a workspace</h2>
        {error && <div className="form-error" role="alert">{error}</div>}
        <label className="field">
          <span>Name</span>
          <input className="input" value={name} onChange={(e) => setName(e.target.value)} required autoFocus />
        </label>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="btn primary" disabled={busy || !name.trim()}>Create</button>
        </div>
      </form>
    </Dialog>
  );
}

function ChatItem({ c, ws }: { c: Chat; ws: ID }) {
  const r = useRoute();
  const title = useChatTitle(c);
  const peer = useDirectPeer(c);
  const mentions = useStore(chats, (s) => s.mentions[c.id]?.length ?? 0);
  const active = r.name === 'chat' && r.chat === c.id;
  const unread = active ? 0 : c.unread_count;
  // The link's name is its visible text plus this, read by screen readers
  // only (an aria-label would differ from the visible text: WCAG 2.5.3).
  const extra = `${unread ? `, ${unread} unread` : ''}${mentions && !active ? `, ${mentions} mention${mentions > 1 ? 's' : ''}` : ''}`;
  return (
    <a
      href={href({ name: 'chat', ws, chat: c.id })}
      className={`chat-item${unread ? ' unread' : ''}`}
      aria-current={active ? 'page' : undefined}
      data-chat-id={c.id}
      onClick={(e) => {
        e.preventDefault();
        ui.set((s) => ({ ...s, sidebarOpen: false }));
        navigate({ name: 'chat', ws, chat: c.id });
      }}
    >
      <span className="chat-icon" aria-hidden="true">
        {peer != null ? <><Avatar id={peer} name={title} size="small" showPresence /><span className="sr-only"><PresenceDot id={peer} /></span></> : chatIcon(c)}
      </span>
      <span className="name">{title}{extra && <span className="sr-only">{extra}</span>}{peer != null && <StatusBadge id={peer} />}</span>
      {mentions > 0 && !active && <span className="badge mention" aria-hidden="true">@{mentions}</span>}
      {unread > 0 && !(mentions > 0 && !active) && <span className="badge" aria-hidden="true">{unread > 99 ? '99+' : unread}</span>}
    </a>
  );
}

const groups: { title: string; types: ChatType[]; create: ChatType }[] = [
  { title: 'Channels', types: ['public_channel', 'private_channel'], create: 'public_channel' },
  { title: 'Groups', types: ['group'], create: 'group' },
  { title: 'Direct messages', types: ['direct'], create: 'direct' },
];

export function ChannelSidebar() {
  const ws = useStore(workspaces, (s) => s.currentId);
  const workspace = useStore(workspaces, (s) => s.list.find((w) => w.id === s.currentId));
  const state = useStore(chats, (s) => s);
  const user = useStore(session, (s) => s.user);
  const [creating, setCreating] = useState<ChatType | null>(null);
  if (ws == null || !workspace) {
    return <aside className="sidebar" aria-label="Chats"><p className="center">No workspace yet. Create one with +.</p></aside>;
  }
  const list = chatsOf(state, ws);
  return (
    <aside className="sidebar" aria-label="Chats">
      <div className="sidebar-head">
        <h2 title={workspace.name}>{workspace.name}</h2>
        {canAdmin(workspace) && (
          <button className="icon-btn" aria-label="Workspace administration" title="Members, roles and invites" onClick={() => navigate({ name: 'admin', ws })}>⚙</button>
        )}
      </div>
      <button className="search-btn" onClick={() => ui.set((s) => ({ ...s, searchOpen: true }))} aria-keyshortcuts="Control+K Meta+K">
        <span aria-hidden="true">🔍</span> Search <kbd className="desktop-hint">Ctrl K</kbd>
      </button>
      <div className="sidebar-views">
        <button className="btn small" onClick={() => ui.set((s) => ({ ...s, panel: s.panel === 'mentions' ? 'none' : 'mentions' }))}>@ Mentions</button>
        <button className="btn small" onClick={() => ui.set((s) => ({ ...s, panel: s.panel === 'saved' ? 'none' : 'saved' }))}>🔖 Saved</button>
      </div>
      <nav className="chat-list" aria-label="Chats in this workspace">
        {groups.map((g) => (
          <section className="chat-group" key={g.title} aria-label={g.title}>
            <h3>
              {g.title}
              <button className="icon-btn" aria-label={`New ${g.title.toLowerCase().replace(/s$/, '')}`} title={`New ${g.title.toLowerCase().replace(/s$/, '')}`} onClick={() => setCreating(g.create)}>+</button>
            </h3>
            {list.filter((c) => g.types.includes(c.type)).map((c) => <ChatItem key={c.id} c={c} ws={ws} />)}
            {g.title === 'Channels' && (
              <a className="chat-item" href={href({ name: 'channels', ws })} onClick={(e) => { e.preventDefault(); navigate({ name: 'channels', ws }); }}>
                <span className="chat-icon" aria-hidden="true">+</span>
                <span className="name">Browse channels</span>
              </a>
            )}
          </section>
        ))}
      </nav>
      {user && (
        <div className="sidebar-foot">
          <Avatar id={user.id} name={user.display_name} showPresence />
          <span className="me-name">{user.display_name}</span>
          {user.is_admin && (
            <button className="icon-btn" aria-label="System health" title="System health" onClick={() => navigate({ name: 'health' })}>📈</button>
          )}
          <button className="icon-btn" aria-label="Settings: profile, password, sessions" title="Settings" onClick={() => navigate({ name: 'settings' })}>☰</button>
        </div>
      )}
      {creating && <NewChatDialog ws={ws} initialType={creating} onClose={() => setCreating(null)} />}
    </aside>
  );
}

const typeChoices: { type: ChatType; label: string; help: string }[] = [
  { type: 'direct', label: 'Direct message', help: 'Just you and one other person' },
  { type: 'group', label: 'Group', help: 'A few people, no name needed' },
  { type: 'private_channel', label: 'Private channel', help: 'Named; only invited members' },
  { type: 'public_channel', label: 'Public channel', help: 'Named; anyone in the workspace can join' },
];

export function NewChatDialog({ ws, initialType, onClose }: { ws: ID; initialType: ChatType; onClose: () => void }) {
  const [type, setType] = useState<ChatType>(initialType);
  const [name, setName] = useState('');
  const [topic, setTopic] = useState('');
  const [picked, setPicked] = useState<ID[]>([]);
  const [filter, setFilter] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const me = useStore(session, (s) => s.user?.id);
  const members = useStore(workspaces, (s) => s.members[ws] ?? NONE);
  const others = members.filter((m) => m.user.id !== me && (!filter || `${m.user.display_name} ${m.user.username}`.toLowerCase().includes(filter.toLowerCase())));
  const named = type === 'public_channel' || type === 'private_channel';
  const toggle = (id: ID) => setPicked((p) => (type === 'direct' ? [id] : p.includes(id) ? p.filter((x) => x !== id) : [...p, id]));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await actions.createChat(ws, type, named ? name.trim() : type === 'group' ? name.trim() : '', picked, named ? topic.trim() : '');
      onClose();
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title="New conversation" onClose={onClose}>
      <form onSubmit={submit}>
        <h2>New conversation</h2>
        {error && <div className="form-error" role="alert">{error}</div>}
        <div className="choices" role="radiogroup" aria-label="Kind of conversation">
          {typeChoices.map((c) => (
            <button type="button" key={c.type} role="radio" aria-checked={type === c.type} className="choice" onClick={() => { setType(c.type); if (c.type === 'direct') setPicked((p) => p.slice(0, 1)); }}>
              {c.label}
              <small>{c.help}</small>
            </button>
          ))}
        </div>
        {(named || type === 'group') && (
          <label className="field">
            <span>{named ? 'Channel name' : 'Group name (optional)'}</span>
            <input className="input" value={name} onChange={(e) => setName(e.target.value)} required={named} />
          </label>
        )}
        {named && (
          <label className="field">
            <span>Topic (optional)</span>
            <input className="input" value={topic} onChange={(e) => setTopic(e.target.value)} />
          </label>
        )}
        <fieldset className="field" style={{ border: 0, padding: 0, margin: '0 0 0.85rem' }}>
          <legend style={{ fontWeight: 600, fontSize: '0.9rem', marginBottom: '0.25rem' }}>
            {type === 'direct' ? 'Who?' : named ? 'Add people (optional)' : 'Who? (at least two others)'}
          </legend>
          <input className="input" placeholder="Filter people" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="Filter people" style={{ marginBottom: '0.4rem' }} />
          <div className="pick-list">
            {others.length === 0 && <p className="hint" style={{ padding: '0.5rem' }}>No one else here yet. Invite people from workspace administration.</p>}
            {others.map((m) => (
              <label key={m.user.id}>
                <input type={type === 'direct' ? 'radio' : 'checkbox'} name="people" checked={picked.includes(m.user.id)} onChange={() => toggle(m.user.id)} />
                <Avatar id={m.user.id} name={m.user.display_name} size="small" />
                {m.user.display_name} <span className="hint">@{m.user.username}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="btn primary" disabled={busy || (type === 'direct' && picked.length !== 1) || (named && !name.trim())}>Create</button>
        </div>
      </form>
    </Dialog>
  );
}
