import { createStore } from '../stores/store';

/** Emoji is one entry of the picker: the character, its name, the
 * shortcodes it answers to and words to search by. */
export interface Emoji {
  unicode: string;
  label: string;
  shortcodes: string[];
  tags: string[];
  group: number;
}

export interface EmojiData {
  list: Emoji[];
  byShortcode: Map<string, string>;
}

/** A few shortcodes known before the full set (emojibase-data, loaded on
 * demand as its own chunk) arrives, so common ones render at once. */
const BUILTIN: Record<string, string> = {
  '+1': '👍', thumbsup: '👍', '-1': '👎', thumbsdown: '👎', heart: '❤️', smile: '😄', grinning: '😀',
  joy: '😂', tada: '🎉', pray: '🙏', eyes: '👀', white_check_mark: '✅', rocket: '🚀', fire: '🔥',
  wave: '👋', ok_hand: '👌', thinking: '🤔', slightly_smiling_face: '🙂', wink: '😉', cry: '😢',
  clap: '👏', sparkles: '✨', warning: '⚠️', x: '❌', bug: '🐛', coffee: '☕', 100: '💯',
};

/** emojiState is null until the full data set is loaded. */
export const emojiState = createStore<EmojiData | null>(null);

let loading: Promise<EmojiData> | null = null;

/** buildEmojiData joins emojibase's compact list with its GitHub-style
 * shortcodes (the ones Slack and GitHub users type). */
export function buildEmojiData(
  compact: { hexcode: string; label: string; unicode: string; group?: number; tags?: string[] }[],
  shortcodes: Record<string, string | string[]>,
): EmojiData {
  const byShortcode = new Map<string, string>(Object.entries(BUILTIN));
  const list: Emoji[] = [];
  for (const e of compact) {
    if (e.group === undefined || e.group === 2) continue; // 2: skin-tone components
    const sc = shortcodes[e.hexcode];
    const codes = sc === undefined ? [] : Array.isArray(sc) ? sc : [sc];
    for (const c of codes) if (!byShortcode.has(c)) byShortcode.set(c, e.unicode);
    list.push({ unicode: e.unicode, label: e.label, shortcodes: codes, tags: e.tags ?? [], group: e.group });
  }
  return { list, byShortcode };
}

/** loadEmoji fetches the full set once (a separate chunk, so the first
 * paint does not wait for it). */
export function loadEmoji(): Promise<EmojiData> {
  loading ??= Promise.all([
    import('emojibase-data/en/compact.json'),
    import('emojibase-data/en/shortcodes/github.json'),
  ]).then(([c, s]) => {
    const data = buildEmojiData(
      (c as { default: Parameters<typeof buildEmojiData>[0] }).default,
      (s as { default: Record<string, string | string[]> }).default,
    );
    emojiState.set(data);
    return data;
  });
  return loading;
}

/** emojiFor returns the character a :shortcode: stands for, or null. */
export function emojiFor(code: string, data: EmojiData | null = emojiState.get()): string | null {
  const c = code.toLowerCase();
  return data?.byShortcode.get(c) ?? BUILTIN[c] ?? null;
}

/** replaceShortcodes turns every known :shortcode: in plain text into its
 * emoji; unknown ones stay as written. */
export function replaceShortcodes(text: string, data: EmojiData | null = emojiState.get()): string {
  return text.replace(/:([a-z0-9_+-]{1,40}):/gi, (whole, code: string) => emojiFor(code, data) ?? whole);
}

/** searchEmoji finds emoji whose shortcode, name or tags start with (or
 * for names, contain) the query, shortcode matches first. */
export function searchEmoji(data: EmojiData, query: string, limit = 64): Emoji[] {
  const q = query.trim().toLowerCase().replace(/^:|:$/g, '');
  if (!q) return data.list.slice(0, limit);
  const first: Emoji[] = [];
  const rest: Emoji[] = [];
  for (const e of data.list) {
    if (e.shortcodes.some((s) => s.startsWith(q))) first.push(e);
    else if (e.label.toLowerCase().includes(q) || e.tags.some((t) => t.startsWith(q))) rest.push(e);
    if (first.length >= limit) break;
  }
  return [...first, ...rest].slice(0, limit);
}

const RECENT_KEY = 'fechatter.emoji.recent';

/** recentEmoji returns the emoji picked lately, newest first. */
export function recentEmoji(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, 24) : [];
  } catch {
    return [];
  }
}

/** noteEmoji puts an emoji at the front of the recents. */
export function noteEmoji(e: string): void {
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify([e, ...recentEmoji().filter((x) => x !== e)].slice(0, 24)));
  } catch {
    // private mode: no recents
  }
}
