import { describe, expect, it } from 'vitest';
import { parseHighlight, unescapeHTML } from '../src/highlight';
import { buildQuery, dateRange } from '../src/components/SearchPanel';
import { mentionQuery } from '../src/components/Composer';

describe('parseHighlight', () => {
  it('splits on <mark> and unescapes the rest as text', () => {
    expect(parseHighlight('say <mark>hello</mark> &amp; &lt;b&gt;bye&lt;/b&gt;')).toEqual([
      { text: 'say ', mark: false },
      { text: 'hello', mark: true },
      { text: ' & <b>bye</b>', mark: false },
    ]);
  });

  it('never turns message text into markup', () => {
    // Escaped markup in a message stays text, including a fake mark tag.
    const segs = parseHighlight('&lt;mark&gt;x&lt;/mark&gt; <mark>&lt;img src=x onerror=alert(1)&gt;</mark>');
    expect(segs).toEqual([
      { text: '<mark>x</mark> ', mark: false },
      { text: '<img src=x onerror=alert(1)>', mark: true },
    ]);
  });

  it('keeps unknown entities as written', () => {
    expect(unescapeHTML('&bogus; &#39; &#x41;')).toBe("&bogus; ' A");
  });
});

describe('search query', () => {
  it('turns facets into filters', () => {
    expect(buildQuery('hi', { sender_id: 2, chat_type: 'direct', date: '2026-03' }, 'newest')).toEqual({
      q: 'hi', sort: 'newest', limit: 30, facets: 'sender,chat,chat_type,date', sender_id: 2, chat_type: 'direct', from: '2026-03-01', to: '2026-03-31',
    });
    expect(dateRange('2026-02-05')).toEqual({ from: '2026-02-05', to: '2026-02-05' });
    const now = Date.UTC(2026, 5, 10, 12);
    expect(dateRange('day', now)).toEqual({ from: '2026-06-09T12:00:00.000Z' });
    expect(dateRange('week', now)).toEqual({ from: '2026-06-03T12:00:00.000Z' });
    expect(dateRange('older', now)).toEqual({ to: '2026-05-11T12:00:00.000Z' });
  });
});

describe('mention autocomplete', () => {
  it('finds the @word at the caret', () => {
    expect(mentionQuery('hello @bo', 9)).toEqual({ start: 6, query: 'bo' });
    expect(mentionQuery('mail a@b', 8)).toBeNull();
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' });
  });
});
