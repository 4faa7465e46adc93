/** Edit is the composer's text with its selection after a change. */
export interface Edit {
  text: string;
  start: number;
  end: number;
}

/** wrap puts before/after around the selection (or the word-less caret)
 * or takes them away when the selection is already wrapped. */
export function wrap(e: Edit, before: string, after = before): Edit {
  const sel = e.text.slice(e.start, e.end);
  const outer = e.text.slice(e.start - before.length, e.end + after.length);
  if (e.start >= before.length && outer.startsWith(before) && outer.endsWith(after) && outer.length >= before.length + after.length) {
    const text = e.text.slice(0, e.start - before.length) + sel + e.text.slice(e.end + after.length);
    return { text, start: e.start - before.length, end: e.end - before.length };
  }
  const text = e.text.slice(0, e.start) + before + sel + after + e.text.slice(e.end);
  return { text, start: e.start + before.length, end: e.end + before.length };
}

/** prefixLines starts every selected line with prefix (a quote or a list). */
export function prefixLines(e: Edit, prefix: string): Edit {
  const lineStart = e.text.lastIndexOf('\n', e.start - 1) + 1;
  const block = e.text.slice(lineStart, e.end);
  const lines = block.split('\n');
  const all = lines.every((l) => l.startsWith(prefix));
  const next = lines.map((l) => (all ? l.slice(prefix.length) : prefix + l)).join('\n');
  const text = e.text.slice(0, lineStart) + next + e.text.slice(e.end);
  const d = next.length - block.length;
  return { text, start: all ? Math.max(lineStart, e.start - prefix.length) : e.start + prefix.length, end: e.end + d };
}

/** codeBlock wraps the selection in a fenced block (inline code when the
 * selection is within one line and not empty). */
export function code(e: Edit): Edit {
  const sel = e.text.slice(e.start, e.end);
  if (sel && !sel.includes('\n')) return wrap(e, '`');
  const lead = e.start > 0 && e.text[e.start - 1] !== '\n' ? '\n' : '';
  return wrap(e, `${lead}\`\`\`\n`, '\n```');
}

/** link turns the selection into [text](url), selecting url. */
export function link(e: Edit): Edit {
  const sel = e.text.slice(e.start, e.end) || 'text';
  const text = `${e.text.slice(0, e.start)}[${sel}](https://)${e.text.slice(e.end)}`;
  const urlStart = e.start + sel.length + 3;
  return { text, start: urlStart, end: urlStart + 'https://'.length };
}

/** insert puts s at the caret, replacing the selection. */
export function insert(e: Edit, s: string): Edit {
  const text = e.text.slice(0, e.start) + s + e.text.slice(e.end);
  return { text, start: e.start + s.length, end: e.start + s.length };
}

/** tokenBefore finds a trigger word being typed just before the caret:
 * ":smi" (shortcodes, 2+ letters) or "/ask" (only at the very start). */
export function tokenBefore(text: string, caret: number): { kind: 'emoji' | 'slash'; start: number; query: string } | null {
  const before = text.slice(0, caret);
  const slash = /^\/([a-z0-9_-]*)$/i.exec(before);
  if (slash) return { kind: 'slash', start: 0, query: slash[1]!.toLowerCase() };
  const colon = /(^|[\s(]):([a-z0-9_+-]{2,})$/i.exec(before);
  if (colon) return { kind: 'emoji', start: caret - colon[2]!.length - 1, query: colon[2]!.toLowerCase() };
  return null;
}
