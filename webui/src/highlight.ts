/** Segment is a piece of a search highlight: plain text, or text the
 * server marked as matching. */
export interface Segment {
  text: string;
  mark: boolean;
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'", '#x27': "'", '#34': '"', '#x2F': '/', '#47': '/' };

/** unescapeHTML decodes the entities an HTML escaper produces. Anything
 * else stays as written: the result is rendered as a text node, so no
 * input can become markup. */
export function unescapeHTML(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name in entities) return entities[name]!;
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      if (Number.isFinite(code) && code > 0 && code <= 0x10ffff) return String.fromCodePoint(code);
    }
    return whole;
  });
}

/** parseHighlight splits the server's highlight (HTML-escaped text with
 * <mark> tags) into segments. Only the exact tags <mark> and </mark> are
 * structure; everything else is text, so a message containing markup is
 * shown as the characters it contains, never interpreted. */
export function parseHighlight(html: string): Segment[] {
  const out: Segment[] = [];
  let mark = false;
  for (const part of html.split(/(<\/?mark>)/i)) {
    if (/^<mark>$/i.test(part)) {
      mark = true;
      continue;
    }
    if (/^<\/mark>$/i.test(part)) {
      mark = false;
      continue;
    }
    if (part === '') continue;
    const text = unescapeHTML(part);
    const last = out[out.length - 1];
    if (last && last.mark === mark) last.text += text;
    else out.push({ text, mark });
  }
  return out;
}
