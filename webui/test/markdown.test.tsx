import { readFileSync } from 'node:fs';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { buildEmojiData, emojiFor, replaceShortcodes, searchEmoji } from '../src/markdown/emoji';
import { highlightCode } from '../src/markdown/code';
import { MARK_CLOSE, MARK_OPEN, markdownToPlain, renderMarkdown, type RenderContext } from '../src/markdown/render';

const emoji = buildEmojiData(
  JSON.parse(readFileSync('node_modules/emojibase-data/en/compact.json', 'utf8')),
  JSON.parse(readFileSync('node_modules/emojibase-data/en/shortcodes/github.json', 'utf8')),
);
const ctx: RenderContext = { emoji, highlight: highlightCode, channelHref: (n) => (n === 'general' ? '/w/1/c/7' : null) };
const html = (text: string, c: RenderContext = ctx) => renderToStaticMarkup(<>{renderMarkdown(text, c)}</>);

describe('markdown renderer', () => {
  const cases: [string, string, string][] = [
    ['bold', 'a **b** c', '<p>a <strong>b</strong> c</p>'],
    ['italic', '_x_ and *y*', '<p><em>x</em> and <em>y</em></p>'],
    ['strike', '~~gone~~', '<p><s>gone</s></p>'],
    ['inline code', 'run `ls -l` now', '<p>run <code>ls -l</code> now</p>'],
    ['line breaks', 'one\ntwo', '<p>one<br/>two</p>'],
    ['quote', '> said', '<blockquote><p>said</p></blockquote>'],
    ['bullet list', '- a\n- b', '<ul><li>a</li><li>b</li></ul>'],
    ['ordered list', '3. a\n4. b', '<ol start="3"><li>a</li><li>b</li></ol>'],
    ['link', '[docs](https://example.com/x?a=1&b=2)', '<p><a href="https://example.com/x?a=1&amp;b=2" target="_blank" rel="noopener noreferrer nofollow">docs</a></p>'],
    ['auto link', 'see https://example.com.', '<p>see <a href="https://example.com" target="_blank" rel="noopener noreferrer nofollow">https://example.com</a>.</p>'],
    ['mention', 'hi @ann.lee!', '<p>hi <span class="mention">@ann.lee</span>!</p>'],
    ['channel link', 'in #general and #nope', '<p>in <a class="channel-link" href="/w/1/c/7">#general</a> and #nope</p>'],
    ['shortcode', 'ship it :rocket: :nosuchcode:', '<p>ship it <span class="emoji" role="img" aria-label=":rocket:" title=":rocket:">🚀</span> :nosuchcode:</p>'],
    ['no shortcode in code', '`:rocket:`', '<p><code>:rocket:</code></p>'],
    ['heading is text', '# not a heading', '<p># not a heading</p>'],
    // XSS attempts: nothing below may produce an element or attribute the
    // allowlist does not have.
    ['script tag', '<script>alert(1)</script>', '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>'],
    ['html block', '<div onclick="x()">hi</div>', '<p>&lt;div onclick=&quot;x()&quot;&gt;hi&lt;/div&gt;</p>'],
    ['event handler', '<img src=x onerror=alert(1)>', '<p>&lt;img src=x onerror=alert(1)&gt;</p>'],
    ['javascript link', '[click](javascript:alert(1))', '<p>[click](javascript:alert(1))</p>'],
    ['encoded javascript link', '[click](jav&#x61;script:alert(1))', '<p>[click](javascript:alert(1))</p>'],
    ['data link', '[x](data:text/html;base64,PHNjcmlwdD4=)', '<p>[x](data:text/html;base64,PHNjcmlwdD4=)</p>'],
    // markdown-it accepts data:image links; the scheme allowlist does not.
    ['data image', '![x](data:image/png;base64,AAAA)', '<p>!<span>x</span></p>'],
    ['remote image', '![x](https://evil.example/p.png)', '<p>!<a href="https://evil.example/p.png" target="_blank" rel="noopener noreferrer nofollow">x</a></p>'], // never an <img>
    ['vbscript link', '<vbscript:msgbox(1)>', '<p>&lt;vbscript:msgbox(1)&gt;</p>'],
    ['file link', '[f](file:///etc/passwd)', '<p>[f](file:///etc/passwd)</p>'],
    ['attribute breakout', '[a](https://x.example/"onmouseover="alert(1))', '<p><a href="https://x.example/%22onmouseover=%22alert(1)" target="_blank" rel="noopener noreferrer nofollow">a</a></p>'],
    ['style tag', '<style>*{display:none}</style>', '<p>&lt;style&gt;*{display:none}&lt;/style&gt;</p>'],
  ];
  for (const [name, input, want] of cases) {
    it(name, () => expect(html(input)).toBe(want));
  }

  it('highlights fenced code of a known language with classes only', () => {
    const out = html('```js\nconst a = "<b>";\n```');
    expect(out).toContain('<pre class="code-block" data-lang="js"><code class="hljs language-js">');
    expect(out).toContain('<span class="hljs-keyword">const</span>');
    expect(out).toContain('&quot;&lt;b&gt;&quot;');
    expect(out).not.toContain('style=');
  });

  it('shows code of an unknown language as plain text', () => {
    expect(html('```nosuch\n<script>x</script>\n```')).toBe('<pre class="code-block" data-lang="nosuch"><code>&lt;script&gt;x&lt;/script&gt;</code></pre>');
  });

  it('marks search matches across formatting', () => {
    const text = `a **${MARK_OPEN}bo${MARK_CLOSE}ld** and ${MARK_OPEN}two words${MARK_CLOSE}`;
    expect(html(text, { ...ctx, marks: true })).toBe('<p>a <strong><mark>bo</mark>ld</strong> and <mark>two words</mark></p>');
  });

  it('drops mark characters from ordinary messages', () => {
    expect(html(`x${MARK_OPEN}y`)).toBe('<p>xy</p>');
  });

  it('gives plain text for notifications', () => {
    expect(markdownToPlain('**Deploy** done :tada:\n\n- see [log](https://x.example)\n```\ncode\n```', emoji)).toBe('Deploy done 🎉 see log code');
  });
});

describe('shortcodes', () => {
  it('converts known shortcodes and leaves others', () => {
    expect(replaceShortcodes('a :+1: b :thumbsup: :smile: :not_an_emoji:', emoji)).toBe('a 👍 b 👍 😄 :not_an_emoji:');
    expect(emojiFor('TADA', emoji)).toBe('🎉');
    expect(emojiFor('tada', null)).toBe('🎉'); // built in before the data loads
    expect(emojiFor('grinning_face_with_big_eyes', null)).toBeNull();
  });

  it('searches by shortcode first, then name and tags', () => {
    const found = searchEmoji(emoji, 'thumbs');
    expect(found[0]!.unicode.replace(/\uFE0F/g, '')).toBe('👍');
    expect(searchEmoji(emoji, 'pizza').map((e) => e.unicode)).toContain('🍕');
    expect(emoji.list.length).toBeGreaterThan(1800);
  });
});
