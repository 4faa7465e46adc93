import { useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { Chat, FileInfo, ID, User } from '../api/types';
import * as actions from '../app/actions';
import { describe } from '../api/errors';
import { fileSize } from '../format';
import { chatMembers, session, workspaces } from '../stores';
import { useStore } from '../stores/store';
import { Avatar } from './common';
import { useComposerExtras } from '../compose/ComposerExtras';
import { draftKey, useDrafts } from '../drafts';
import { useTouch } from '../touch';
import { askPermission } from '../notify';

interface Upload {
  key: number;
  name: string;
  size: number;
  progress: number;
  file?: FileInfo;
  error?: string;
}

/** mentionQuery finds an @word being typed just before the caret. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const m = /(^|[\s(])@([A-Za-z0-9_.-]*)$/.exec(before);
  if (!m) return null;
  return { start: caret - m[2]!.length - 1, query: m[2]!.toLowerCase() };
}

let uploadSeq = 0;

export function Composer({ chat, replyTo, placeholder }: { chat: Chat; replyTo?: ID; placeholder?: string }) {
  const drafts = useDrafts();
  const touch = useTouch();
  const draftId = draftKey(chat.id, replyTo ?? 0);
  const text = useStore(drafts.state, (s) => s[draftId]?.text ?? '');
  const setText = (v: string) => drafts.set(chat.id, replyTo ?? 0, v);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [suggest, setSuggest] = useState<{ start: number; query: string; index: number } | null>(null);
  const ref = useRef<HTMLTextAreaElement>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const extras = useComposerExtras({ ref, text, setText, workspaceId: chat.workspace_id, id: `${chat.id}-${replyTo ?? 0}` });
  const me = useStore(session, (s) => s.user?.id ?? 0);
  const chatPeople = useStore(chatMembers, (s) => s.byChat[chat.id]);
  const wsPeople = useStore(workspaces, (s) => s.members[chat.workspace_id]);
  const people: User[] = (chatPeople?.map((m) => m.user) ?? wsPeople?.map((m) => m.user) ?? []).filter((u) => u.id !== me);
  const candidates = suggest
    ? [
        ...people.filter((u) => u.username.toLowerCase().startsWith(suggest.query) || u.display_name.toLowerCase().includes(suggest.query)),
        ...(['channel', 'here'].filter((k) => k.startsWith(suggest.query) && chat.type !== 'direct').map((k) => ({ id: -1, username: k, display_name: k === 'here' ? 'Everyone here' : 'Everyone in this chat' }) as User)),
      ].slice(0, 8)
    : [];

  // Grow with the text up to the CSS max-height (CSSOM, allowed by the CSP).
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${el.scrollHeight}px`;
  }, [text]);

  const busyUploads = uploads.some((u) => !u.file && !u.error);
  const send = async () => {
    const content = text.trim();
    const files = uploads.filter((u) => u.file).map((u) => u.file!);
    if ((!content && files.length === 0) || busyUploads) return;
    void drafts.clear(chat.id, replyTo ?? 0); // now, not after the typing pause
    setUploads([]);
    setSuggest(null);
    void askPermission(); // once, from this click: the first message sent
    try {
      await actions.send(chat.id, content, replyTo, files);
    } catch (e) {
      setText(content);
      actions.report(e, 'Could not queue the message');
    }
  };

  const update = (value: string) => {
    setText(value);
    const caret = ref.current?.selectionStart ?? value.length;
    const q = mentionQuery(value, caret);
    setSuggest(q ? { ...q, index: 0 } : null);
    extras.update(value, caret);
    if (value.trim()) actions.typing(chat.id);
  };

  const pick = (u: User) => {
    if (!suggest) return;
    const caret = ref.current?.selectionStart ?? text.length;
    const next = `${text.slice(0, suggest.start)}@${u.username} ${text.slice(caret)}`;
    setText(next);
    setSuggest(null);
    const pos = suggest.start + u.username.length + 2;
    requestAnimationFrame(() => {
      ref.current?.focus();
      ref.current?.setSelectionRange(pos, pos);
    });
  };

  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (extras.onKey(e)) return;
    if (suggest && candidates.length > 0) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const d = e.key === 'ArrowDown' ? 1 : -1;
        setSuggest({ ...suggest, index: (suggest.index + d + candidates.length) % candidates.length });
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        pick(candidates[suggest.index]!);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        setSuggest(null);
        return;
      }
    }
    // On a phone's keyboard Enter makes a new line; Send sends.
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing && !touch) {
      e.preventDefault();
      void send();
    }
  };

  const attach = (files: FileList | null) => {
    if (!files) return;
    for (const f of Array.from(files)) {
      const key = ++uploadSeq;
      setUploads((u) => [...u, { key, name: f.name, size: f.size, progress: 0 }]);
      actions
        .upload(chat.workspace_id, f, (p) => setUploads((u) => u.map((x) => (x.key === key ? { ...x, progress: p } : x))))
        .then(
          (file) => setUploads((u) => u.map((x) => (x.key === key ? { ...x, progress: 1, file } : x))),
          (e) => setUploads((u) => u.map((x) => (x.key === key ? { ...x, error: describe(e) } : x))),
        );
    }
    if (fileRef.current) fileRef.current.value = '';
  };

  const listId = `mention-list-${chat.id}-${replyTo ?? 0}`;
  const label = replyTo ? 'Reply in thread' : `Message ${placeholder ?? ''}`.trim();
  return (
    <div className="composer">
      {uploads.length > 0 && (
        <div className="uploads" aria-label="Attachments">
          {uploads.map((u) => (
            <div className="upload" key={u.key}>
              <span>📎 {u.name} <span className="hint">{fileSize(u.size)}</span></span>
              {u.error ? (
                <span className="field-error" role="alert">{u.error}</span>
              ) : u.file ? (
                <span className="hint">ready</span>
              ) : (
                <progress max={1} value={u.progress} aria-label={`Uploading ${u.name}`} />
              )}
              <button className="icon-btn" aria-label={`Remove ${u.name}`} onClick={() => setUploads((x) => x.filter((y) => y.key !== u.key))}>✕</button>
            </div>
          ))}
        </div>
      )}
      {suggest && candidates.length > 0 && (
        <ul className="suggest" role="listbox" id={listId} aria-label="People to mention">
          {candidates.map((u, i) => (
            <li key={`${u.id}-${u.username}`} id={`${listId}-${i}`} role="option" aria-selected={i === suggest.index} onMouseDown={(e) => { e.preventDefault(); pick(u); }}>
              {u.id > 0 && <Avatar id={u.id} name={u.display_name} size="small" showPresence />}
              <strong>{u.display_name}</strong> <span className="hint">@{u.username}</span>
            </li>
          ))}
        </ul>
      )}
      {extras.list}
      {extras.toolbar}
      <div className="composer-box">
        <button className="icon-btn" aria-label="Attach a file" title="Attach a file" onClick={() => fileRef.current?.click()}>📎</button>
        <input ref={fileRef} type="file" multiple hidden onChange={(e) => attach(e.target.files)} aria-hidden="true" tabIndex={-1} />
        <textarea
          ref={ref}
          rows={1}
          value={text}
          placeholder={replyTo ? 'Reply…' : `Message ${placeholder ?? ''}`}
          aria-label={label}
          aria-autocomplete="list"
          aria-controls={suggest && candidates.length ? listId : extras.ariaControls}
          aria-activedescendant={suggest && candidates.length ? `${listId}-${suggest.index}` : extras.activeDescendant}
          aria-keyshortcuts={touch ? undefined : 'Enter'}
          onChange={(e) => update(e.target.value)}
          onKeyDown={onKey}
          onBlur={() => setTimeout(() => setSuggest(null), 150)}
          data-testid={replyTo ? 'thread-composer' : 'composer'}
        />
        <button className="btn primary small" onClick={() => void send()} disabled={busyUploads || (!text.trim() && !uploads.some((u) => u.file))} aria-label="Send">
          Send
        </button>
      </div>
      {!touch && <span className="sr-only">Enter sends, Shift+Enter adds a new line.</span>}
    </div>
  );
}
