import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import { describe } from '../api/errors';
import type { ChatType, FacetValue, ID, SearchQuery, SearchResult } from '../api/types';
import { dateTime } from '../format';
import { parseHighlight } from '../highlight';
import { Markdown } from '../markdown/Markdown';
import { markedText } from '../markdown/render';
import { navigate } from '../router';
import { ui, workspaces } from '../stores';
import { useStore } from '../stores/store';
import { Dialog } from './common';
import { chatIcon, chatTypeLabel } from './chatInfo';

/** Highlight renders the server's highlight safely as Markdown: the text
 * becomes text nodes and only <mark> (and the Markdown allowlist) become
 * elements. */
export function Highlight({ html }: { html: string }) {
  return <Markdown text={markedText(parseHighlight(html))} marks />;
}

interface Filters {
  sender_id?: ID;
  chat_id?: ID;
  chat_type?: ChatType;
  date?: string;
}

const facetNames: { key: keyof SearchResult['facets']; title: string; filter: keyof Filters }[] = [
  { key: 'sender', title: 'From', filter: 'sender_id' },
  { key: 'chat', title: 'In', filter: 'chat_id' },
  { key: 'chat_type', title: 'Kind of chat', filter: 'chat_type' },
  { key: 'date', title: 'Date', filter: 'date' },
];

const DAY_MS = 86_400_000;
const relative: Record<string, number> = { day: 1, week: 7, month: 30 };

/** dateRange turns a date facet value into from/to bounds: the server's
 * age buckets (day, week, month, older: relative to now) or a calendar
 * day, month or year. */
export function dateRange(value: string, now = Date.now()): { from?: string; to?: string } {
  const days = relative[value];
  if (days) return { from: new Date(now - days * DAY_MS).toISOString() };
  if (value === 'older') return { to: new Date(now - 30 * DAY_MS).toISOString() };
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return { from: value, to: value };
  if (/^\d{4}-\d{2}$/.test(value)) {
    const [y, m] = value.split('-').map(Number) as [number, number];
    const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
    return { from: `${value}-01`, to: `${value}-${String(last).padStart(2, '0')}` };
  }
  if (/^\d{4}$/.test(value)) return { from: `${value}-01-01`, to: `${value}-12-31` };
  return {};
}

export function buildQuery(q: string, f: Filters, sort: 'relevance' | 'newest'): SearchQuery {
  const out: SearchQuery = { q, sort, limit: 30, facets: 'sender,chat,chat_type,date' };
  if (f.sender_id != null) out.sender_id = f.sender_id;
  if (f.chat_id != null) out.chat_id = f.chat_id;
  if (f.chat_type) out.chat_type = f.chat_type;
  if (f.date) Object.assign(out, dateRange(f.date));
  return out;
}

export function SearchPanel() {
  const ws = useStore(workspaces, (s) => s.currentId);
  const [q, setQ] = useState('');
  const [filters, setFilters] = useState<Filters>({});
  const [sort, setSort] = useState<'relevance' | 'newest'>('relevance');
  const [result, setResult] = useState<SearchResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sel, setSel] = useState(0);
  const listRef = useRef<HTMLUListElement>(null);
  const close = () => ui.set((s) => ({ ...s, searchOpen: false }));

  useEffect(() => {
    if (ws == null || q.trim() === '') {
      setResult(null);
      setError(null);
      return;
    }
    const ctl = new AbortController();
    const t = setTimeout(() => {
      setBusy(true);
      api.search(ws, buildQuery(q.trim(), filters, sort), ctl.signal).then(
        (r) => {
          setResult(r);
          setError(null);
          setSel(0);
          setBusy(false);
        },
        (e) => {
          if (ctl.signal.aborted) return;
          setError(describe(e));
          setBusy(false);
        },
      );
    }, 180);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
  }, [ws, q, filters, sort]);

  const open = (i: number) => {
    const h = result?.hits[i];
    if (!h || ws == null) return;
    close();
    navigate({ name: 'chat', ws, chat: h.chat.id, seq: h.message.seq });
  };
  const toggle = (f: keyof Filters, v: FacetValue) => {
    setFilters((old) => {
      const value = f === 'chat_type' || f === 'date' ? v.value : Number(v.value);
      const next = { ...old } as Record<string, unknown>;
      if (next[f] === value) delete next[f];
      else next[f] = value;
      return next as Filters;
    });
  };
  const onKey = (e: React.KeyboardEvent) => {
    const n = result?.hits.length ?? 0;
    if (e.key === 'ArrowDown' && n) {
      e.preventDefault();
      setSel((s) => Math.min(n - 1, s + 1));
    } else if (e.key === 'ArrowUp' && n) {
      e.preventDefault();
      setSel((s) => Math.max(0, s - 1));
    } else if (e.key === 'Enter' && n) {
      e.preventDefault();
      open(sel);
    }
  };
  useEffect(() => {
    listRef.current?.querySelector(`[data-index="${sel}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [sel]);
  const activeFilters = Object.keys(filters).length;

  return (
    <Dialog title="Search messages" onClose={close} wide>
      <div className="search-top">
        <span aria-hidden="true">🔍</span>
        <input
          className="input"
          type="search"
          placeholder="Search messages"
          aria-label="Search messages"
          value={q}
          autoFocus
          onChange={(e) => setQ(e.target.value)}
          onKeyDown={onKey}
          aria-controls="search-results"
          aria-activedescendant={result?.hits.length ? `hit-${sel}` : undefined}
        />
        <select className="input" style={{ width: 'auto' }} value={sort} onChange={(e) => setSort(e.target.value as 'relevance' | 'newest')} aria-label="Sort results">
          <option value="relevance">Best match</option>
          <option value="newest">Newest</option>
        </select>
        <button className="icon-btn" aria-label="Close search" onClick={close}>✕</button>
      </div>
      <div className="search-body">
        <div className="facets" aria-label="Filters">
          {activeFilters > 0 && <button className="btn small" onClick={() => setFilters({})}>Clear filters</button>}
          {facetNames.map((f) => {
            const values = result?.facets[f.key] ?? [];
            if (values.length === 0) return null;
            return (
              <div key={f.key} role="group" aria-label={f.title}>
                <h3>{f.title}</h3>
                {values.map((v) => {
                  const cur = filters[f.filter];
                  const pressed = cur != null && String(cur) === v.value;
                  return (
                    <button key={v.value} className="facet" aria-pressed={pressed} onClick={() => toggle(f.filter, v)}>
                      <span>{f.key === 'chat_type' ? (chatTypeLabel[v.value as ChatType] ?? v.label) : v.label || v.value}</span>
                      <span className="count">{v.count}</span>
                    </button>
                  );
                })}
              </div>
            );
          })}
        </div>
        <div style={{ display: 'flex', flexDirection: 'column', minHeight: 0 }}>
          <div className="search-status" role="status" aria-live="polite">
            {error ? <span className="field-error">Search failed: {error}</span> : busy ? 'Searching…' : result ? `${result.total} result${result.total === 1 ? '' : 's'}${result.took_ms != null ? ` in ${result.took_ms} ms` : ''}` : 'Type to search. Filters appear with the results.'}
          </div>
          <ul className="results" id="search-results" role="listbox" aria-label="Search results" ref={listRef}>
            {result?.hits.map((h, i) => (
              <li key={h.message.id} role="presentation">
                <button id={`hit-${i}`} data-index={i} role="option" aria-selected={i === sel} className="hit" onClick={() => open(i)} onMouseEnter={() => setSel(i)}>
                  <div className="meta">
                    <span>{chatIcon(h.chat)} {h.chat.name || chatTypeLabel[h.chat.type]}</span>
                    <span>{h.message.sender.display_name}</span>
                    <time dateTime={h.message.created_at}>{dateTime(h.message.created_at)}</time>
                  </div>
                  <div className="text"><Highlight html={h.highlight || h.message.content.replace(/&/g, '&amp;').replace(/</g, '&lt;')} /></div>
                </button>
              </li>
            ))}
          </ul>
        </div>
      </div>
    </Dialog>
  );
}
