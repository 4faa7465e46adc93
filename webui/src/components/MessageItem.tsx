import { memo, useEffect, useState, type ReactNode } from 'react';
import { api } from '../api/client';
import type { FileInfo, Message } from '../api/types';
import * as actions from '../app/actions';
import { dateTime, fileSize, timeOf } from '../format';
import type { OutboxItem } from '../outbox/outbox';
import { session, ui } from '../stores';
import { useStore } from '../stores/store';
import { Avatar } from './common';
import { LinkPreviewCard } from './LinkPreviewCard';
import { TranslationControls, useTranslation } from './Translation';
import { Markdown } from '../markdown/Markdown';
import { EmojiPicker } from '../compose/EmojiPicker';
import { usePinned, useSaved } from '../marks/marks';
import { openProfile, StatusBadge } from '../profile/ProfileCard';

export const QUICK_EMOJI = ['👍', '❤️', '😂', '🎉', '🙏', '👀', '✅', '🚀'];

/** RichText renders message text as text nodes, with @mentions marked.
 * No HTML from a message is ever interpreted. */
export function RichText({ text }: { text: string }) {
  const parts: ReactNode[] = [];
  const re = /(^|[^\w@])(@[A-Za-z0-9_.-]+)/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const start = m.index + m[1]!.length;
    if (start > last) parts.push(text.slice(last, start));
    parts.push(<span className="mention" key={start}>{m[2]}</span>);
    last = start + m[2]!.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return <>{parts}</>;
}

/** authedBlobURL fetches a file with the access token (an <img> cannot
 * send one) and returns an object URL. */
async function authedBlob(f: FileInfo): Promise<string> {
  const headers: Record<string, string> = {};
  if (api.token) headers.Authorization = `Bearer ${api.token}`;
  let res = await fetch(f.url, { headers, credentials: 'same-origin' });
  if (res.status === 401) {
    await api.refresh();
    res = await fetch(f.url, { headers: { Authorization: `Bearer ${api.token ?? ''}` }, credentials: 'same-origin' });
  }
  if (!res.ok) throw new Error(`Could not open ${f.name} (${res.status}).`);
  return URL.createObjectURL(await res.blob());
}

function Attachment({ f }: { f: FileInfo }) {
  const [src, setSrc] = useState<string | null>(null);
  const image = /^image\/(png|jpe?g|gif|webp)$/.test(f.content_type);
  useEffect(() => {
    if (!image) return;
    let url: string | null = null;
    let live = true;
    authedBlob(f).then((u) => {
      url = u;
      if (live) setSrc(u);
      else URL.revokeObjectURL(u);
    }, () => undefined);
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [f, image]);
  const download = async () => {
    try {
      const u = await authedBlob(f);
      const a = document.createElement('a');
      a.href = u;
      a.download = f.name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(u), 10_000);
    } catch (e) {
      actions.report(e);
    }
  };
  return (
    <button className="attachment" onClick={() => void download()} aria-label={`Download ${f.name}, ${fileSize(f.size)}`}>
      {image && src ? <img src={src} alt={f.name} /> : <span aria-hidden="true">📎</span>}
      {!(image && src) && <span>{f.name} <span className="hint">{fileSize(f.size)}</span></span>}
    </button>
  );
}

interface Props {
  m: Message;
  compact: boolean;
  inThread?: boolean;
  canModerate: boolean;
  highlight?: boolean;
}

export const MessageItem = memo(function MessageItem({ m, compact, inThread, canModerate, highlight }: Props) {
  const me = useStore(session, (s) => s.user?.id ?? 0);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(m.content);
  const [picking, setPicking] = useState(false);
  const tr = useTranslation(m);
  const [fullPicker, setFullPicker] = useState(false);
  const mine = m.sender.id === me;
  const pinned = usePinned(m.chat_id, m.id);
  const saved = useSaved(m.id);
  const mentioned = m.mentions.includes(me);
  const openThread = () => ui.set((s) => ({ ...s, threadRootId: m.id, panel: 'thread' }));
  const saveEdit = async () => {
    const text = draft.trim();
    if (!text || text === m.content) {
      setEditing(false);
      return;
    }
    try {
      await actions.editMessage(m.chat_id, m.id, text);
      setEditing(false);
    } catch {
      // reported by the action; keep the editor open with the draft
    }
  };
  return (
    <article
      className={`msg${compact ? ' compact' : ''}${m.deleted ? ' deleted' : ''}${mentioned && !m.deleted ? ' mentioned' : ''}${highlight ? ' highlight' : ''}`}
      aria-label={`${m.sender.display_name} at ${timeOf(m.created_at)}`}
      data-seq={m.seq}
      data-message-id={m.id}
      tabIndex={-1}
    >
      <Avatar id={m.sender.id} name={m.sender.display_name} showPresence={!compact} />
      <div>
        {!compact && (
          <div className="msg-head">
            <button type="button" className="who link-btn" onClick={() => openProfile(m.sender)}>{m.sender.display_name}</button>
            <StatusBadge id={m.sender.id} fallback={m.sender} />
            {m.sender.is_bot && <span className="hint">bot</span>}
            <time dateTime={m.created_at} title={dateTime(m.created_at)}>{timeOf(m.created_at)}</time>
          </div>
        )}
        {pinned && <div className="pin-badge">📌 Pinned</div>}
        {editing ? (
          <div className="edit-box">
            <textarea
              className="input"
              value={draft}
              aria-label="Edit message"
              autoFocus
              onChange={(e) => setDraft(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !e.shiftKey) {
                  e.preventDefault();
                  void saveEdit();
                }
                if (e.key === 'Escape') {
                  e.stopPropagation();
                  setEditing(false);
                }
              }}
            />
            <div className="row" style={{ marginTop: '0.3rem' }}>
              <button className="btn small primary" onClick={() => void saveEdit()}>Save</button>
              <button className="btn small" onClick={() => setEditing(false)}>Cancel</button>
              <span className="hint desktop-hint">Enter to save, Escape to cancel</span>
            </div>
          </div>
        ) : (
          <div className="msg-body">
            {m.deleted ? 'This message was deleted.' : <Markdown text={tr.shown && tr.text !== null ? tr.text : m.content} />}
            {m.edited_at && !m.deleted && <span className="edited" title={dateTime(m.edited_at)}> (edited)</span>}
          </div>
        )}
        {!editing && <TranslationControls tr={tr} lang={m.lang} />}
        {!m.deleted && m.attachments.length > 0 && (
          <div className="attachments">{m.attachments.map((f) => <Attachment key={f.id} f={f} />)}</div>
        )}
        {!m.deleted && m.preview && <LinkPreviewCard m={m} mine={mine} />}
        {!m.deleted && m.reactions.length > 0 && (
          <div className="reactions" role="group" aria-label="Reactions">
            {m.reactions.map((r) => (
              <button key={r.emoji} className="reaction" aria-pressed={r.me} aria-label={`${r.emoji} ${r.count}${r.me ? ', including you' : ''}`} onClick={() => void actions.toggleReaction(m.chat_id, m.id, r.emoji)}>
                {r.emoji} {r.count}
              </button>
            ))}
          </div>
        )}
        {!inThread && m.reply_count > 0 && (
          <button className="thread-link" onClick={openThread}>
            {m.reply_count} {m.reply_count === 1 ? 'reply' : 'replies'}
          </button>
        )}
      </div>
      {!m.deleted && !editing && (
        <div className="msg-actions" role="toolbar" aria-label="Message actions">
          <button className="icon-btn" aria-label="Add reaction" title="Add reaction" aria-expanded={picking} onClick={() => setPicking((p) => !p)}>☺</button>
          {!inThread && <button className="icon-btn" aria-label="Reply in thread" title="Reply in thread" onClick={openThread}>💬</button>}
          {!inThread && <button className="icon-btn" aria-label={pinned ? 'Unpin message' : 'Pin message'} aria-pressed={pinned} title={pinned ? 'Unpin' : 'Pin'} onClick={() => void actions.togglePin(m, !pinned).catch((e: unknown) => actions.report(e, 'Could not pin'))}>📌</button>}
          <button className="icon-btn" aria-label={saved ? 'Remove from saved messages' : 'Save message'} aria-pressed={saved} title={saved ? 'Remove from saved' : 'Save'} onClick={() => void actions.toggleSaved(m, !saved).catch((e: unknown) => actions.report(e, 'Could not save'))}>🔖</button>
          {mine && <button className="icon-btn" aria-label="Edit message" title="Edit" onClick={() => { setDraft(m.content); setEditing(true); }}>✎</button>}
          {(mine || canModerate) && (
            <button className="icon-btn" aria-label="Delete message" title="Delete" onClick={() => { if (confirm('Delete this message for everyone?')) void actions.deleteMessage(m.chat_id, m.id); }}>🗑</button>
          )}
        </div>
      )}
      {picking && (
        <div className="picker" role="menu" aria-label="Pick a reaction" onKeyDown={(e) => e.key === 'Escape' && setPicking(false)}>
          {QUICK_EMOJI.map((e, i) => (
            <button key={e} role="menuitem" autoFocus={i === 0} aria-label={`React with ${e}`} onClick={() => { setPicking(false); void actions.toggleReaction(m.chat_id, m.id, e); }}>{e}</button>
          ))}
          <button role="menuitem" aria-label="More emoji" title="More emoji" onClick={() => { setPicking(false); setFullPicker(true); }}>＋</button>
        </div>
      )}
      {fullPicker && (
        <EmojiPicker label="Pick a reaction" onClose={() => setFullPicker(false)} onPick={(e) => { setFullPicker(false); void actions.toggleReaction(m.chat_id, m.id, e); }} />
      )}
    </article>
  );
});

/** PendingItem shows a message waiting in the outbox. */
export function PendingItem({ item }: { item: OutboxItem }) {
  const user = useStore(session, (s) => s.user);
  const online = useStore(ui, (s) => s.connection !== 'offline');
  if (!user) return null;
  const label = item.status === 'failed' ? 'Not sent' : item.status === 'sending' ? 'Sending…' : online ? 'Waiting to send…' : 'Waiting for the network…';
  return (
    <article className="msg pending" aria-label={`Your message, ${label}`} data-client-id={item.client_id}>
      <Avatar id={user.id} name={user.display_name} />
      <div>
        <div className="msg-head">
          <span className="who">{user.display_name}</span>
          <span className={`state${item.status === 'failed' ? ' failed' : ''}`}>{label}</span>
        </div>
        <div className="msg-body"><Markdown text={item.content} /></div>
        {item.status === 'failed' && (
          <div className="row" style={{ marginTop: '0.25rem' }}>
            <span className="state failed">{item.error}</span>
            <button className="btn small" onClick={() => void actions.outbox.retry(item.client_id)}>Retry</button>
            <button className="btn small" onClick={() => void actions.outbox.discard(item.client_id)}>Discard</button>
          </div>
        )}
        {item.status !== 'failed' && item.error && <div className="hint">{item.error}</div>}
      </div>
    </article>
  );
}
