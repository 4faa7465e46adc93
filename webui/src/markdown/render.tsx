import MarkdownIt, { type Token } from 'markdown-it';
import { createElement, type ReactNode } from 'react';
import { emojiFor, type EmojiData } from './emoji';


/** The chat subset of Markdown: no raw HTML (it stays text), no images,
 * headings, tables or link references; single newlines are line breaks;
 * bare URLs become links. */
const md = new MarkdownIt('default', { html: false, linkify: true, breaks: true, typographer: false });
md.disable(['heading', 'lheading', 'table', 'image', 'reference', 'hr', 'code', 'html_block', 'html_inline']);
md.linkify.set({ fuzzyEmail: false });

/** The only URL schemes a link may have; anything else renders as text. */
const SAFE_HREF = /^(https?:|mailto:)/i;

/** MARK_OPEN and MARK_CLOSE bracket search matches in text given to
 * render with marks (private-use characters, stripped from real input). */
export const MARK_OPEN = '\uE000';
export const MARK_CLOSE = '\uE001';

/** markedText joins search highlight segments into one text with the
 * matches between MARK_OPEN and MARK_CLOSE, for render with marks. */
export function markedText(segments: { text: string; mark: boolean }[]): string {
  return segments.map((s) => {
    const t = s.text.replace(/[\uE000\uE001]/g, '');
    return s.mark ? MARK_OPEN + t + MARK_CLOSE : t;
  }).join('');
}

export interface RenderContext {
  /** channelHref returns the app path of a #channel of the current
   * workspace, or null when there is none of that name. */
  channelHref?: (name: string) => string | null;
  /** emoji is the full shortcode set, when loaded. */
  emoji?: EmojiData | null;
  /** marks: the text carries MARK_OPEN/MARK_CLOSE around search matches. */
  marks?: boolean;
  /** plainCode: no syntax highlighting (search hits). */
  plainCode?: boolean;
  /** highlight colours code of a known language (code.tsx, loaded on
   * demand); without it code is plain text. */
  highlight?: ((code: string, lang: string) => ReactNode[] | null) | null;
}

/** safeHref returns href when its scheme is allowed, else null. */
export function safeHref(href: string | null | undefined): string | null {
  if (!href) return null;
  const h = href.trim();
  // A relative link has no scheme; markdown-it normalises the rest.
  if (SAFE_HREF.test(h)) return h;
  return null;
}

// @username, #channel and :shortcode: inside plain text.
const INLINE_RE = /(^|[^\w@#:])(@[A-Za-z0-9_.-]*[A-Za-z0-9_]|#[A-Za-z0-9_-]+|:[a-z0-9_+-]{1,40}:)/gi;

class Renderer {
  private key = 0;
  private inMark = false;
  constructor(private ctx: RenderContext) {}

  k(): number {
    return this.key++;
  }

  /** text renders plain text with search marks (when asked). */
  marked(text: string): ReactNode[] {
    if (!this.ctx.marks) return [text];
    const out: ReactNode[] = [];
    for (const part of text.split(/([\uE000\uE001])/)) {
      if (part === MARK_OPEN) this.inMark = true;
      else if (part === MARK_CLOSE) this.inMark = false;
      else if (part) out.push(this.inMark ? <mark key={this.k()}>{part}</mark> : part);
    }
    return out;
  }

  /** words renders a text token: mentions, channel links, shortcodes. */
  words(text: string, inLink: boolean): ReactNode[] {
    if (inLink) return this.marked(text);
    const out: ReactNode[] = [];
    let last = 0;
    INLINE_RE.lastIndex = 0;
    for (let m = INLINE_RE.exec(text); m; m = INLINE_RE.exec(text)) {
      const start = m.index + m[1]!.length;
      const word = m[2]!;
      let node: ReactNode = null;
      if (word[0] === '@') {
        node = <span className="mention" key={this.k()}>{this.marked(word)}</span>;
      } else if (word[0] === '#') {
        const href = this.ctx.channelHref?.(word.slice(1)) ?? null;
        if (href) node = <a className="channel-link" href={href} key={this.k()}>{this.marked(word)}</a>;
      } else {
        const e = emojiFor(word.slice(1, -1), this.ctx.emoji ?? null);
        if (e) node = <span className="emoji" role="img" aria-label={word} title={word} key={this.k()}>{e}</span>;
      }
      if (node === null) continue;
      if (start > last) out.push(...this.marked(text.slice(last, start)));
      out.push(node);
      last = start + word.length;
    }
    if (last < text.length) out.push(...this.marked(text.slice(last)));
    return out;
  }

  inline(tokens: Token[]): ReactNode[] {
    const root: ReactNode[] = [];
    const stack: { tag: string; props: Record<string, unknown>; kids: ReactNode[] }[] = [];
    const top = () => (stack.length ? stack[stack.length - 1]!.kids : root);
    const inLink = () => stack.some((s) => s.tag === 'a');
    for (const t of tokens) {
      switch (t.type) {
        case 'text':
          top().push(...this.words(t.content, inLink()));
          break;
        case 'code_inline':
          top().push(<code key={this.k()}>{this.marked(t.content)}</code>);
          break;
        case 'softbreak':
        case 'hardbreak':
          top().push(<br key={this.k()} />);
          break;
        case 'strong_open':
        case 'em_open':
        case 's_open':
          stack.push({ tag: t.tag, props: {}, kids: [] });
          break;
        case 'link_open': {
          const href = safeHref(String(t.attrGet('href') ?? ''));
          stack.push({
            tag: href ? 'a' : 'span',
            props: href ? { href, target: '_blank', rel: 'noopener noreferrer nofollow' } : {},
            kids: [],
          });
          break;
        }
        case 'strong_close':
        case 'em_close':
        case 's_close':
        case 'link_close': {
          const s = stack.pop();
          if (s) top().push(createElement(s.tag, { ...s.props, key: this.k() }, ...s.kids));
          break;
        }
        default:
          // Anything else (html_inline is disabled) is shown as its text.
          if (t.content) top().push(...this.marked(t.content));
      }
    }
    while (stack.length) {
      const s = stack.pop()!;
      top().push(createElement(s.tag, { ...s.props, key: this.k() }, ...s.kids));
    }
    return root;
  }

  blocks(tokens: Token[]): ReactNode[] {
    const root: ReactNode[] = [];
    const stack: { tag: string | null; props: Record<string, unknown>; kids: ReactNode[] }[] = [];
    const top = () => (stack.length ? stack[stack.length - 1]!.kids : root);
    for (const t of tokens) {
      if (t.type === 'inline') {
        top().push(...this.inline(t.children ?? []));
      } else if (t.type === 'fence') {
        const lang = t.info.trim().split(/\s+/)[0] ?? '';
        const code = t.content.replace(/\n$/, '');
        const hl = this.ctx.plainCode || this.ctx.marks || !this.ctx.highlight ? null : this.ctx.highlight(code, lang);
        top().push(
          <pre key={this.k()} className="code-block" data-lang={lang || undefined}>
            <code className={hl ? `hljs language-${lang.toLowerCase()}` : undefined}>{hl ?? this.marked(code)}</code>
          </pre>,
        );
      } else if (t.nesting === 1) {
        const tag = ['p', 'blockquote', 'ul', 'ol', 'li'].includes(t.tag) && !t.hidden ? t.tag : null;
        const props: Record<string, unknown> = {};
        const start = String(t.attrGet('start') ?? '');
        if (tag === 'ol' && start && /^\d{1,9}$/.test(start)) props.start = Number(start);
        stack.push({ tag, props, kids: [] });
      } else if (t.nesting === -1) {
        const s = stack.pop();
        if (!s) continue;
        if (s.tag) top().push(createElement(s.tag, { ...s.props, key: this.k() }, ...s.kids));
        else top().push(...s.kids);
      } else if (t.content) {
        top().push(<p key={this.k()}>{this.marked(t.content)}</p>);
      }
    }
    return root;
  }
}

/** renderMarkdown turns message text into React elements. No part of the
 * text is ever parsed as HTML by the browser: markdown-it runs with HTML
 * off, and every node is built with React from an allowlist of tags. */
export function renderMarkdown(text: string, ctx: RenderContext = {}): ReactNode[] {
  const src = ctx.marks ? text : text.replace(/[\uE000\uE001]/g, '');
  return new Renderer(ctx).blocks(md.parse(src, {}));
}

/** markdownToPlain is the text of a message without its markup, for
 * notifications and the title: links become their text, shortcodes emoji. */
export function markdownToPlain(text: string, emoji: EmojiData | null = null): string {
  const out: string[] = [];
  const walk = (tokens: Token[]) => {
    for (const t of tokens) {
      if (t.type === 'inline') walk(t.children ?? []);
      else if (t.type === 'text') out.push(t.content.replace(/:([a-z0-9_+-]{1,40}):/gi, (w: string, c: string) => emojiFor(c, emoji) ?? w));
      else if (t.type === 'code_inline') out.push(t.content);
      else if (t.type === 'fence') out.push(t.content.trimEnd(), ' ');
      else if (t.type === 'softbreak' || t.type === 'hardbreak' || t.type === 'paragraph_close' || t.type === 'list_item_close') out.push(' ');
    }
  };
  walk(md.parse(text, {}));
  return out.join('').replace(/\s+/g, ' ').trim();
}
