import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import type { ReactNode } from 'react';
import { unescapeHTML } from '../highlight';

// A handful of common languages only (the core plus these is ~60 kB
// minified, where the full set is ~1 MB).
for (const [name, lang] of Object.entries({ bash, css, diff, go, java, javascript, json, python, rust, sql, typescript, xml, yaml })) {
  hljs.registerLanguage(name, lang);
}
hljs.registerAliases(['sh', 'shell', 'zsh'], { languageName: 'bash' });
hljs.registerAliases(['html', 'svg'], { languageName: 'xml' });
hljs.registerAliases(['golang'], { languageName: 'go' });

/** highlightCode returns the code as React elements: spans with hljs-*
 * classes around text nodes. highlight.js escapes every character of the
 * code, so its output is only <span class="..."> and </span> around
 * escaped text; we parse exactly that and nothing else (no innerHTML). */
export function highlightCode(code: string, lang: string): ReactNode[] | null {
  const name = lang.trim().toLowerCase();
  if (!name || !hljs.getLanguage(name)) return null;
  const html = hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
  return spansToReact(html);
}

export function spansToReact(html: string): ReactNode[] {
  const root: ReactNode[] = [];
  const stack: { cls: string; kids: ReactNode[] }[] = [];
  let key = 0;
  const top = () => (stack.length ? stack[stack.length - 1]!.kids : root);
  for (const part of html.split(/(<span class="[a-z0-9_ -]*">|<\/span>)/i)) {
    if (!part) continue;
    const open = /^<span class="([a-z0-9_ -]*)">$/i.exec(part);
    if (open) {
      stack.push({ cls: open[1]!.split(/\s+/).filter((c) => /^hljs-|^language-|^_+$/.test(c) || /^[a-z]+_?$/.test(c)).join(' '), kids: [] });
      continue;
    }
    if (/^<\/span>$/i.test(part)) {
      const s = stack.pop();
      if (s) top().push(<span key={key++} className={s.cls}>{s.kids}</span>);
      continue;
    }
    top().push(unescapeHTML(part));
  }
  while (stack.length) {
    const s = stack.pop()!;
    top().push(<span key={key++} className={s.cls}>{s.kids}</span>);
  }
  return root;
}
