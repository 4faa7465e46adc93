import { useEffect, useMemo, type MouseEvent, type ReactNode } from 'react';
import { href, navigate, parse, useRoute } from '../router';
import { chats } from '../stores';
import { useStore } from '../stores/store';
import { emojiState, loadEmoji } from './emoji';
import { createStore } from '../stores/store';

type Highlighter = (code: string, lang: string) => ReactNode[] | null;

/** highlighter is highlight.js (its own chunk), once a code block asks. */
const highlighter = createStore<{ fn: Highlighter } | null>(null);
let hlLoading = false;
function loadHighlighter() {
  if (hlLoading) return;
  hlLoading = true;
  void import('./code').then((m) => highlighter.set({ fn: m.highlightCode }));
}
import { renderMarkdown, type RenderContext } from './render';
import './fmt.css';

/** Markdown renders message text (see renderMarkdown) with the current
 * workspace's channels as #links and the full emoji set once loaded. */
export function Markdown({ text, marks, plainCode }: { text: string; marks?: boolean; plainCode?: boolean }) {
  const emoji = useStore(emojiState, (s) => s);
  const route = useRoute();
  const ws = 'ws' in route ? route.ws : 0;
  const byId = useStore(chats, (s) => s.byId);
  const hl = useStore(highlighter, (s) => s);
  const needsEmoji = !emoji && /:[a-z0-9_+-]+:/i.test(text);
  const needsCode = !hl && !plainCode && !marks && text.includes('```');
  useEffect(() => {
    if (needsEmoji) void loadEmoji();
    if (needsCode) loadHighlighter();
  }, [needsEmoji, needsCode]);
  const nodes = useMemo(() => {
    const ctx: RenderContext = {
      emoji, marks, plainCode, highlight: hl?.fn ?? null,
      channelHref: (name) => {
        const n = name.toLowerCase();
        const c = Object.values(byId).find((x) => x.workspace_id === ws && x.type.endsWith('channel') && x.name?.toLowerCase() === n);
        return c ? href({ name: 'chat', ws, chat: c.id }) : null;
      },
    };
    return renderMarkdown(text, ctx);
  }, [text, emoji, marks, plainCode, byId, ws, hl]);
  // #channel links move inside the app instead of loading the page.
  const onClick = (e: MouseEvent) => {
    const a = (e.target as Element).closest?.('a.channel-link');
    if (!a || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    navigate(parse(a.getAttribute('href') ?? '/'));
  };
  return <div className="md" onClick={onClick}>{nodes}</div>;
}
