import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { Chat, ChatMember, ID, Message } from '../api/types';
import * as actions from '../app/actions';
import { dayKey, dayLabel } from '../format';
import type { OutboxItem } from '../outbox/outbox';
import { timeline, unconfirmed } from '../state/messages';
import { chatMembers, messages, outbox, session } from '../stores';
import { useStore } from '../stores/store';
import { MessageItem, PendingItem } from './MessageItem';

export type Row =
  | { kind: 'edge'; key: string; loading: boolean }
  | { kind: 'day'; key: string; label: string }
  | { kind: 'new'; key: string }
  | { kind: 'msg'; key: string; m: Message; compact: boolean }
  | { kind: 'seen'; key: string; names: string[] }
  | { kind: 'joined'; key: string; name: string }
  | { kind: 'pending'; key: string; item: OutboxItem };

const COMPACT_MS = 5 * 60 * 1000;

/** buildRows lays out a chat's timeline: day dividers, a "new" line after
 * the last message read when the chat was opened, messages grouped by
 * sender, who has seen the person's latest message, and pending sends. */
export function buildRows(msgs: Message[], pending: OutboxItem[], opts: { hasOlder: boolean; loaded: boolean; readAtOpen: number; lastSeqAtOpen: number; me: ID; members: ChatMember[] | undefined; joinsAfter?: string | undefined }): Row[] {
  const rows: Row[] = [{ kind: 'edge', key: 'edge', loading: opts.hasOlder || !opts.loaded }];
  let prev: Message | null = null;
  let newShown = false;
  // "X joined" lines, from the members' join times: those who joined after
  // joinsAfter (the chat's creation), placed among the loaded messages.
  const at = (iso: string) => Date.parse(iso);
  const joins = opts.joinsAfter == null ? [] : (opts.members ?? [])
    .filter((x) => at(x.joined_at) > at(opts.joinsAfter!) && (!opts.hasOlder || (msgs[0] != null && at(x.joined_at) >= at(msgs[0].created_at))))
    .sort((a, b) => at(a.joined_at) - at(b.joined_at));
  let j = 0;
  const joinsUntil = (t: string | null) => {
    while (j < joins.length && (t == null || at(joins[j]!.joined_at) <= at(t))) {
      const x = joins[j++]!;
      rows.push({ kind: 'joined', key: `j-${x.user.id}`, name: x.user.display_name });
      prev = null;
    }
  };
  for (const m of msgs) {
    joinsUntil(m.created_at);
    const day = dayKey(m.created_at);
    const newDay = !prev || dayKey(prev.created_at) !== day;
    if (newDay) rows.push({ kind: 'day', key: `day-${day}`, label: dayLabel(m.created_at) });
    let divider = false;
    if (!newShown && opts.readAtOpen > 0 && m.seq > opts.readAtOpen && m.seq <= opts.lastSeqAtOpen && m.sender.id !== opts.me) {
      rows.push({ kind: 'new', key: 'new' });
      newShown = true;
      divider = true;
    }
    const compact = !!prev && !newDay && !divider && prev.sender.id === m.sender.id && !prev.deleted &&
      new Date(m.created_at).getTime() - new Date(prev.created_at).getTime() < COMPACT_MS;
    rows.push({ kind: 'msg', key: `m-${m.id}`, m, compact });
    prev = m;
  }
  if (opts.loaded) joinsUntil(null);
  // Read marker: who else has read the person's message, while it is the
  // latest one (anything after it is a reply, which says as much).
  const lastMine = msgs[msgs.length - 1]?.sender.id === opts.me ? msgs[msgs.length - 1] : undefined;
  if (lastMine && opts.members) {
    const names = opts.members.filter((x) => x.user.id !== opts.me && x.last_read_seq >= lastMine.seq).map((x) => x.user.display_name);
    if (names.length) rows.push({ kind: 'seen', key: 'seen', names });
  }
  for (const p of pending) rows.push({ kind: 'pending', key: `p-${p.client_id}`, item: p });
  return rows;
}

interface Props {
  chat: Chat;
  jumpSeq?: number | undefined;
  canModerate: boolean;
}

export function MessageList({ chat, jumpSeq, canModerate }: Props) {
  const me = useStore(session, (s) => s.user?.id ?? 0);
  const cm = useStore(messages, (s) => s.byChat[chat.id]);
  const members = useStore(chatMembers, (s) => s.byChat[chat.id]);
  const allPending = useStore(outbox, (s) => s);
  const pending = useMemo(() => unconfirmed(cm, allPending.filter((p) => p.chat_id === chat.id && p.reply_to == null)), [allPending, chat.id, cm]);
  // The "new" line stays where it was when the chat was opened.
  // Messages that arrive while the chat is open are not "new" to anyone.
  const [readAtOpen] = useState(() => chat.last_read_seq ?? 0);
  const [lastSeqAtOpen] = useState(() => chat.last_seq ?? 0);
  const msgs = useMemo(() => timeline(cm), [cm]);
  // Joins are news in channels and groups; a direct chat's two people
  // are there from the start. Those added with the chat joined in its
  // creating transaction, within moments of created_at.
  const joinsAfter = chat.type === 'direct' ? undefined : new Date(new Date(chat.created_at).getTime() + 50).toISOString();
  const rows = useMemo(
    () => buildRows(msgs, pending, { hasOlder: cm?.hasOlder ?? true, loaded: cm?.loaded ?? false, readAtOpen, lastSeqAtOpen, me, members, joinsAfter }),
    [msgs, pending, cm?.hasOlder, cm?.loaded, readAtOpen, lastSeqAtOpen, me, members, joinsAfter],
  );
  const scrollRef = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  const anchor = useRef<{ key: string; delta: number } | null>(null);
  const [highlight, setHighlight] = useState<ID | null>(null);
  const v = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => (rows[i]?.kind === 'msg' ? (rows[i].compact ? 28 : 60) : 32),
    overscan: 12,
    getItemKey: (i) => rows[i]?.key ?? i,
  });

  const newest = msgs.length ? msgs[msgs.length - 1]!.seq : 0;
  const newestAny = Math.max(newest, chat.last_seq ?? 0);

  const markIfAtBottom = useCallback(() => {
    if (follow.current && document.visibilityState === 'visible' && newestAny > (chat.last_read_seq ?? 0)) {
      void actions.markRead(chat.id, newestAny);
    }
  }, [chat.id, chat.last_read_seq, newestAny]);

  // "Jump to latest" shows while the person has scrolled up.
  const [scrolledUp, setScrolledUp] = useState(false);
  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) return;
    follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    setScrolledUp(!follow.current);
    const first = v.getVirtualItems().find((it) => it.end > el.scrollTop);
    if (first) anchor.current = { key: String(first.key), delta: first.start - el.scrollTop };
    if (el.scrollTop < 400 && cm?.hasOlder && cm.loaded) void actions.loadOlder(chat.id);
    markIfAtBottom();
  };

  // Keep the view where the person was: at the bottom when following, on
  // the same message when older history is added above.
  const lastKey = rows[rows.length - 1]?.key;
  const firstMsgKey = rows.find((r) => r.kind === 'msg')?.key;
  const prevFirst = useRef(firstMsgKey);
  useLayoutEffect(() => {
    const prepended = prevFirst.current !== undefined && firstMsgKey !== prevFirst.current;
    prevFirst.current = firstMsgKey;
    if (jumpSeq) return;
    if (follow.current) {
      v.scrollToIndex(rows.length - 1, { align: 'end' });
      return;
    }
    if (prepended && anchor.current) {
      const idx = rows.findIndex((r) => r.key === anchor.current!.key);
      if (idx >= 0) {
        const off = v.getOffsetForIndex(idx, 'start');
        if (off) v.scrollToOffset(off[0] - anchor.current.delta);
      }
    }
  }, [lastKey, firstMsgKey, rows, v, jumpSeq]);

  useEffect(() => {
    markIfAtBottom();
  }, [markIfAtBottom]);

  // Rows that grow after they are drawn (an image that loads late) must
  // not leave a following reader above the newest message.
  const total = v.getTotalSize();
  useEffect(() => {
    if (follow.current && !jumpSeq && rows.length) v.scrollToIndex(rows.length - 1, { align: 'end' });
  }, [total, jumpSeq, rows.length, v]);
  const jumpToLatest = () => {
    follow.current = true;
    setScrolledUp(false);
    v.scrollToIndex(rows.length - 1, { align: 'end' });
    markIfAtBottom();
  };

  // Fill the screen: a short first page leaves no room to scroll up.
  useEffect(() => {
    const el = scrollRef.current;
    if (el && cm?.loaded && cm.hasOlder && el.scrollHeight <= el.clientHeight + 50) void actions.loadOlder(chat.id);
  }, [cm?.loaded, cm?.hasOlder, rows.length, chat.id]);

  // Jump to a message (from search): load back to it, then show it.
  useEffect(() => {
    if (!jumpSeq) return;
    let live = true;
    void actions.reveal(chat.id, jumpSeq).then(() => {
      if (!live) return;
      const c = messages.get().byChat[chat.id];
      const target = c && Object.values(c.byId).find((m) => m.seq === jumpSeq);
      if (!target) return;
      if (target.reply_to != null) {
        actions.openThreadAt(target.reply_to);
        return;
      }
      follow.current = false;
      setHighlight(target.id);
      requestAnimationFrame(() => {
        const idx = rowsRef.current.findIndex((r) => r.kind === 'msg' && r.m.id === target.id);
        if (idx >= 0) v.scrollToIndex(idx, { align: 'center' });
        // The jump is done: a reload should open the chat at its end again.
        const url = new URL(location.href);
        url.searchParams.delete('seq');
        history.replaceState(history.state, '', url.pathname + url.search);
        setTimeout(() => {
          const el = scrollRef.current?.querySelector<HTMLElement>(`[data-message-id="${target.id}"]`);
          el?.focus();
        }, 100);
      });
    });
    return () => {
      live = false;
    };
  }, [jumpSeq, chat.id, v]);
  const rowsRef = useRef(rows);
  rowsRef.current = rows;

  const items = v.getVirtualItems();
  return (
    <>
    <div className="messages" ref={scrollRef} onScroll={onScroll} role="log" aria-label={`Messages in ${chat.name || 'this chat'}`} aria-live="polite" aria-relevant="additions" tabIndex={0}>
      <div className="messages-inner" style={{ height: v.getTotalSize() }}>
        {items.map((it) => {
          const r = rows[it.index]!;
          return (
            <div key={it.key} data-index={it.index} ref={v.measureElement} className="vrow" style={{ transform: `translateY(${it.start}px)` }}>
              {r.kind === 'edge' && <div className="history-edge">{r.loading ? 'Loading earlier messages…' : 'This is the beginning of the conversation.'}</div>}
              {r.kind === 'day' && <div className="day" role="separator" aria-label={r.label}>{r.label}</div>}
              {r.kind === 'new' && <div className="new-divider" role="separator">New messages</div>}
              {r.kind === 'msg' && <MessageItem m={r.m} compact={r.compact} canModerate={canModerate} highlight={highlight === r.m.id} />}
              {r.kind === 'seen' && <div className="seen">Seen by {r.names.join(', ')}</div>}
              {r.kind === 'joined' && <div className="joined-line" data-testid="joined-line">{r.name} joined</div>}
              {r.kind === 'pending' && <PendingItem item={r.item} />}
            </div>
          );
        })}
      </div>
    </div>
    {scrolledUp && (
      <button className="btn small jump-latest" onClick={jumpToLatest}>↓ Jump to latest</button>
    )}
    </>
  );
}
