import { useState, type KeyboardEvent, type ReactNode, type RefObject } from 'react';
import type { ID } from '../api/types';
import { emojiState, loadEmoji, noteEmoji, searchEmoji } from '../markdown/emoji';
import { useStore } from '../stores/store';
import { EmojiPicker } from './EmojiPicker';
import { code, insert, link, prefixLines, tokenBefore, wrap, type Edit } from './format';
import { matchCommands, slashCommands, type SlashCommand } from './slash';
import './integrationCommands'; // registers the workspace's slash-command integrations
import '../markdown/fmt.css';
import { useTouch, withKeys } from '../touch';

interface Item {
  key: string;
  insert: string;
  label: ReactNode;
}

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
const mod = isMac ? '⌘' : 'Ctrl+';

/** useComposerExtras adds formatting (toolbar and shortcuts), the emoji
 * picker and the ":" shortcode and "/" command menus to a composer whose
 * text lives in the caller (text, setText). */
export function useComposerExtras(opts: { ref: RefObject<HTMLTextAreaElement | null>; text: string; setText: (v: string) => void; workspaceId: ID; id: string }) {
  const { ref, text, setText, workspaceId, id } = opts;
  const touch = useTouch();
  const [sug, setSug] = useState<{ kind: 'emoji' | 'slash'; start: number; query: string; index: number } | null>(null);
  const [cmds, setCmds] = useState<SlashCommand[] | null>(null);
  const [picker, setPicker] = useState(false);
  const emoji = useStore(emojiState, (s) => s);

  const items: Item[] = !sug
    ? []
    : sug.kind === 'emoji'
      ? (emoji ? searchEmoji(emoji, sug.query, 8) : []).filter((e) => e.shortcodes.some((s) => s.startsWith(sug.query))).map((e) => ({
          key: e.unicode, insert: e.unicode,
          label: <><span className="emoji">{e.unicode}</span> :{e.shortcodes.find((s) => s.startsWith(sug.query)) ?? e.shortcodes[0]}:</>,
        }))
      : matchCommands(cmds ?? [], sug.query).map((c) => ({
          key: c.name, insert: `/${c.name} `,
          label: <><strong>/{c.name}</strong> <span className="hint">{c.description}</span></>,
        }));

  const current = (): Edit => {
    const el = ref.current;
    return { text, start: el?.selectionStart ?? text.length, end: el?.selectionEnd ?? text.length };
  };
  const apply = (e: Edit) => {
    setText(e.text);
    setSug(null);
    requestAnimationFrame(() => {
      ref.current?.focus();
      ref.current?.setSelectionRange(e.start, e.end);
    });
  };

  const update = (value: string, caret: number) => {
    const t = tokenBefore(value, caret);
    if (t?.kind === 'emoji') void loadEmoji();
    if (t?.kind === 'slash' && cmds === null) {
      setCmds([]);
      void slashCommands(workspaceId).then(setCmds);
    }
    setSug(t ? { ...t, index: 0 } : null);
  };

  const choose = (it: Item) => {
    if (!sug) return;
    const caret = ref.current?.selectionStart ?? text.length;
    if (sug.kind === 'emoji') noteEmoji(it.insert);
    const add = sug.kind === 'emoji' ? `${it.insert} ` : it.insert;
    apply(insert({ text, start: sug.start, end: caret }, add));
  };

  /** onKey handles the key when it is ours and reports whether it was. */
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>): boolean => {
    if (sug && items.length > 0) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const d = e.key === 'ArrowDown' ? 1 : -1;
        setSug({ ...sug, index: (sug.index + d + items.length) % items.length });
        return true;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        choose(items[sug.index % items.length]!);
        return true;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        setSug(null);
        return true;
      }
    }
    if (!(e.ctrlKey || e.metaKey) || e.altKey) return false;
    const k = e.key.toLowerCase();
    const action =
      k === 'b' && !e.shiftKey ? (x: Edit) => wrap(x, '**')
      : k === 'i' && !e.shiftKey ? (x: Edit) => wrap(x, '_')
      : k === 'e' && !e.shiftKey ? code
      : k === 'x' && e.shiftKey ? (x: Edit) => wrap(x, '~~')
      : k === 'c' && e.shiftKey ? (x: Edit) => wrap(x, '\n```\n', '\n```')
      : null;
    if (!action) return false;
    e.preventDefault();
    apply(action(current()));
    return true;
  };

  const listId = `extras-${id}`;
  const list =
    sug && items.length > 0 ? (
      <ul className="suggest" role="listbox" id={listId} aria-label={sug.kind === 'emoji' ? 'Emoji' : 'Commands'} data-testid={`suggest-${sug.kind}`}>
        {items.map((it, i) => (
          <li key={it.key} id={`${listId}-${i}`} role="option" aria-selected={i === sug.index} onMouseDown={(e) => { e.preventDefault(); choose(it); }}>
            {it.label}
          </li>
        ))}
      </ul>
    ) : null;

  const button = (label: string, keys: string, glyph: ReactNode, fn: (x: Edit) => Edit) => (
    <button type="button" className="icon-btn" aria-label={withKeys(label, keys, touch)} title={withKeys(label, keys, touch)} onMouseDown={(e) => e.preventDefault()} onClick={() => apply(fn(current()))}>
      {glyph}
    </button>
  );
  const toolbar = (
    <div className="fmt-toolbar" role="toolbar" aria-label="Formatting">
      {button('Bold', `${mod}B`, <b>B</b>, (x) => wrap(x, '**'))}
      {button('Italic', `${mod}I`, <i>I</i>, (x) => wrap(x, '_'))}
      {button('Strikethrough', `${mod}Shift+X`, <s>S</s>, (x) => wrap(x, '~~'))}
      {button('Code', `${mod}E`, <code>{'</>'}</code>, code)}
      {button('Code block', `${mod}Shift+C`, <code>{'{}'}</code>, (x) => wrap(x, '\n```\n', '\n```'))}
      {button('Link', '', '🔗', link)}
      {button('Quote', '', '❝', (x) => prefixLines(x, '> '))}
      {button('Bulleted list', '', '•', (x) => prefixLines(x, '- '))}
      <button type="button" className="icon-btn" aria-label="Insert emoji" title="Insert emoji" aria-expanded={picker} onMouseDown={(e) => e.preventDefault()} onClick={() => setPicker((p) => !p)}>☺</button>
      {picker && (
        <EmojiPicker
          label="Insert emoji"
          onClose={() => { setPicker(false); ref.current?.focus(); }}
          onPick={(em) => { setPicker(false); apply(insert(current(), em)); }}
        />
      )}
    </div>
  );

  return {
    onKey,
    update,
    list,
    toolbar,
    ariaControls: list ? listId : undefined,
    activeDescendant: sug && items.length ? `${listId}-${sug.index % items.length}` : undefined,
  };
}
