import { useEffect, useMemo, useState } from 'react';
import type { Chat, ID } from '../api/types';
import * as actions from '../app/actions';
import { thread, unconfirmed } from '../state/messages';
import { typingUsers } from '../state/presence';
import { canAdmin } from '../state/workspaces';
import { chatMembers, messages, outbox, presence, session, ui, workspaces } from '../stores';
import { NONE, useStore } from '../stores/store';
import { Avatar, ConnectionBanner, PresenceDot } from './common';
import { Composer } from './Composer';
import { MessageItem, PendingItem } from './MessageItem';
import { MessageList } from './MessageList';
import { chatIcon, chatTypeLabel, useChatTitle, useDirectPeer } from './chatInfo';
import { MuteButton } from '../notify/NotificationSettingsCard';
import { isChannel } from './ChannelSettings';
import { useTouch, withKeys } from '../touch';
import { navigate } from '../router';
import { openProfile, StatusBadge } from '../profile/ProfileCard';

function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

export function TypingIndicator({ chatId }: { chatId: ID }) {
  const me = useStore(session, (s) => s.user?.id ?? 0);
  const p = useStore(presence, (s) => s);
  const members = useStore(chatMembers, (s) => s.byChat[chatId]);
  const wsMembers = useStore(workspaces, (s) => (s.currentId != null ? s.members[s.currentId] : undefined));
  const now = useNow(1000);
  const ids = typingUsers(p, chatId, me, now);
  const name = (id: ID) => members?.find((m) => m.user.id === id)?.user.display_name ?? wsMembers?.find((m) => m.user.id === id)?.user.display_name ?? 'Someone';
  const names = ids.map(name);
  const text = names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing…` : names.length === 2 ? `${names[0]} and ${names[1]} are typing…` : 'Several people are typing…';
  return <div className="typing" aria-live="polite">{text}</div>;
}

function useCanModerate(chat: Chat): boolean {
  const ws = useStore(workspaces, (s) => s.list.find((w) => w.id === chat.workspace_id));
  return canAdmin(ws) || chat.my_role === 'admin';
}

/** InviteBanner offers "Invite people" in #general and #random to an
 * admin who is still alone in the workspace. */
function InviteBanner({ chat }: { chat: Chat }) {
  const ws = useStore(workspaces, (s) => s.list.find((w) => w.id === chat.workspace_id));
  const alone = useStore(workspaces, (s) => (s.members[chat.workspace_id]?.length ?? 2) <= 1);
  if (!chat.auto_join || !alone || !canAdmin(ws)) return null;
  return (
    <div className="invite-banner" data-testid="invite-empty-state">
      <span>You are the only one here. People you invite land in #general and #random.</span>
      <button className="btn small primary" onClick={() => navigate({ name: 'admin', ws: chat.workspace_id })}>Invite people</button>
    </div>
  );
}

export function ChatView({ chat, jumpSeq }: { chat: Chat; jumpSeq?: number | undefined }) {
  const title = useChatTitle(chat);
  const peer = useDirectPeer(chat);
  const panel = useStore(ui, (s) => s.panel);
  const touch = useTouch();
  const moderate = useCanModerate(chat);
  useEffect(() => {
    void actions.openChat(chat.id);
    void actions.loadChatMembers(chat.id);
  }, [chat.id]);
  useEffect(() => {
    document.title = `${title} · Fechatter`;
  }, [title]);
  return (
    <section className="main" aria-label={`Chat ${title}`}>
      <header className="chat-head">
        <button className="icon-btn menu-btn" aria-label="Open the chat list" onClick={() => ui.set((s) => ({ ...s, sidebarOpen: true }))}>☰</button>
        <span className="chat-icon" aria-hidden="true">{peer != null ? <PresenceDot id={peer} /> : chatIcon(chat)}</span>
        <div className="grow">
          <h1>{title}</h1>
          <div className="topic">{chat.topic || chatTypeLabel[chat.type]}</div>
        </div>
        <MuteButton chat={chat} />
        <button className="icon-btn" aria-label="Search" title={withKeys('Search', 'Ctrl+K', touch)} onClick={() => ui.set((s) => ({ ...s, searchOpen: true }))}>🔍</button>
        <button className="icon-btn" aria-label="Pinned messages" title="Pinned messages" aria-pressed={panel === 'pins'} onClick={() => ui.set((s) => ({ ...s, panel: s.panel === 'pins' ? 'none' : 'pins' }))}>📌</button>
        {chat.type !== 'direct' && (
          <button className="icon-btn" aria-label="Chat settings" title="Settings" aria-pressed={panel === 'settings'} onClick={() => ui.set((s) => ({ ...s, panel: s.panel === 'settings' ? 'none' : 'settings' }))}>⚙</button>
        )}
        <button
          className="btn small"
          aria-pressed={panel === 'members'}
          aria-label={`Members, ${chat.member_count}`}
          onClick={() => ui.set((s) => ({ ...s, panel: s.panel === 'members' ? 'none' : 'members' }))}
        >
          👤 {chat.member_count}
        </button>
      </header>
      <ConnectionBanner />
      <InviteBanner chat={chat} />
      <MessageList key={chat.id} chat={chat} jumpSeq={jumpSeq} canModerate={moderate} />
      <TypingIndicator chatId={chat.id} />
      {chat.archived_at ? (
        <div className="archived-note" role="status" data-testid="archived-note">#{chat.name} is archived: it is read-only.</div>
      ) : (
        <Composer chat={chat} placeholder={isChannel(chat) ? `#${title}` : title} />
      )}
    </section>
  );
}

export function ThreadPanel({ chat, root }: { chat: Chat; root: ID }) {
  const cm = useStore(messages, (s) => s.byChat[chat.id]);
  const allPending = useStore(outbox, (s) => s);
  const moderate = useCanModerate(chat);
  const list = useMemo(() => thread(cm, root), [cm, root]);
  const pending = unconfirmed(cm, allPending.filter((p) => p.chat_id === chat.id && p.reply_to === root));
  useEffect(() => {
    void actions.loadThread(chat.id, root);
  }, [chat.id, root]);
  // Focus follows the person into the thread, and back to the chat after.
  useEffect(() => {
    const t = setTimeout(() => document.querySelector<HTMLElement>('[data-testid="thread-composer"]')?.focus(), 50);
    return () => {
      clearTimeout(t);
      setTimeout(() => document.querySelector<HTMLElement>('[data-testid="composer"]')?.focus(), 0);
    };
  }, [root]);
  const close = () => ui.set((s) => ({ ...s, panel: 'none', threadRootId: null }));
  const rootMsg = list[0];
  return (
    <aside className="panel" aria-label="Thread" onKeyDown={(e) => e.key === 'Escape' && close()}>
      <div className="panel-head">
        <h2>Thread</h2>
        <button className="icon-btn" aria-label="Close thread" onClick={close}>✕</button>
      </div>
      <div className="panel-body" role="log" aria-label="Thread messages">
        {list.map((m, i) => (
          <div key={m.id}>
            <MessageItem m={m} compact={false} inThread canModerate={moderate} />
            {i === 0 && <div className="day">{m.reply_count} {m.reply_count === 1 ? 'reply' : 'replies'}</div>}
          </div>
        ))}
        {pending.map((p) => <PendingItem key={p.client_id} item={p} />)}
      </div>
      {rootMsg && !rootMsg.deleted && <Composer chat={chat} replyTo={root} />}
    </aside>
  );
}

export function MembersPanel({ chat }: { chat: Chat }) {
  const me = useStore(session, (s) => s.user?.id ?? 0);
  const members = useStore(chatMembers, (s) => s.byChat[chat.id]);
  const online = useStore(presence, (s) => s.online);
  const wsMembers = useStore(workspaces, (s) => s.members[chat.workspace_id] ?? NONE);
  const moderate = useCanModerate(chat);
  const [adding, setAdding] = useState<ID | ''>('');
  const close = () => ui.set((s) => ({ ...s, panel: 'none' }));
  const sorted = (members ?? []).slice().sort((a, b) => Number(!!online[b.user.id]) - Number(!!online[a.user.id]) || a.user.display_name.localeCompare(b.user.display_name));
  const canAdd = chat.type === 'group' || (chat.type !== 'direct' && moderate);
  const candidates = wsMembers.filter((w) => !members?.some((m) => m.user.id === w.user.id));
  const add = async () => {
    if (adding === '') return;
    try {
      await actions.addChatMembers(chat.id, [adding]);
      setAdding('');
    } catch (e) {
      actions.report(e, 'Could not add the member');
    }
  };
  return (
    <aside className="panel" aria-label="Members" onKeyDown={(e) => e.key === 'Escape' && close()}>
      <div className="panel-head">
        <h2>Members ({members?.length ?? chat.member_count})</h2>
        <button className="icon-btn" aria-label="Close members" onClick={close}>✕</button>
      </div>
      <div className="panel-body">
        <ul className="list">
          {sorted.map((m) => (
            <li className="member" key={m.user.id}>
              <Avatar id={m.user.id} name={m.user.display_name} showPresence />
              <span className="who">
                <button type="button" className="link-btn" onClick={() => openProfile(m.user)}>{m.user.display_name}</button>{m.user.id === me ? ' (you)' : ''} <StatusBadge id={m.user.id} fallback={m.user} />
                <small>@{m.user.username} · {online[m.user.id] ? 'online' : 'offline'}{m.role === 'admin' ? ' · admin' : ''}</small>
              </span>
              {chat.type !== 'direct' && m.user.id !== me && moderate && (
                <button className="btn small danger" onClick={() => void actions.removeChatMember(chat.id, m.user.id).catch((e) => actions.report(e, 'Could not remove the member'))}>Remove</button>
              )}
            </li>
          ))}
        </ul>
        {canAdd && candidates.length > 0 && (
          <div className="panel-body padded">
            <label className="field">
              <span>Add someone</span>
              <div className="row">
                <select className="input grow" value={adding} onChange={(e) => setAdding(e.target.value ? Number(e.target.value) : '')}>
                  <option value="">Choose a person…</option>
                  {candidates.map((c) => <option key={c.user.id} value={c.user.id}>{c.user.display_name} (@{c.user.username})</option>)}
                </select>
                <button className="btn" onClick={() => void add()} disabled={adding === ''}>Add</button>
              </div>
            </label>
          </div>
        )}
        {chat.type !== 'direct' && (
          <div className="panel-body padded">
            <button className="btn danger" onClick={() => { if (confirm('Leave this chat?')) void actions.leaveChat(chat.id); }}>Leave {chat.type === 'group' ? 'group' : 'channel'}</button>
          </div>
        )}
      </div>
    </aside>
  );
}
