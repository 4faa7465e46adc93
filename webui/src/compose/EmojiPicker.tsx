import { useEffect, useMemo, useRef, useState } from 'react';
import { useStore } from '../stores/store';
import { emojiState, loadEmoji, noteEmoji, recentEmoji, searchEmoji } from '../markdown/emoji';
import '../markdown/fmt.css';

/** EmojiPicker: a search field, the recently used emoji and the matches
 * (the full Unicode set from emojibase-data). Used by the composer and
 * for reactions. Escape closes it. */
export function EmojiPicker({ onPick, onClose, label = 'Pick an emoji' }: { onPick: (emoji: string) => void; onClose: () => void; label?: string }) {
  const data = useStore(emojiState, (s) => s);
  const [q, setQ] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    void loadEmoji();
    input.current?.focus();
  }, []);
  const recent = useMemo(() => recentEmoji(), []);
  const found = useMemo(() => (data ? searchEmoji(data, q, q ? 80 : 160) : []), [data, q]);
  const pick = (e: string) => {
    noteEmoji(e);
    onPick(e);
  };
  return (
    <div
      className="emoji-picker"
      role="dialog"
      aria-label={label}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <input
        ref={input}
        className="input"
        type="search"
        placeholder="Search emoji"
        aria-label="Search emoji"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && found[0]) {
            e.preventDefault();
            pick(found[0].unicode);
          }
        }}
      />
      {!q && recent.length > 0 && (
        <>
          <div className="emoji-section">Recent</div>
          <div className="emoji-grid" role="group" aria-label="Recently used">
            {recent.map((e) => (
              <button key={e} type="button" aria-label={e} onClick={() => pick(e)}>{e}</button>
            ))}
          </div>
        </>
      )}
      {!q && <div className="emoji-section">All</div>}
      <div className="emoji-grid" role="group" aria-label={q ? 'Matches' : 'Emoji'}>
        {!data && <span className="hint">Loading…</span>}
        {data && found.length === 0 && <span className="hint">No emoji match “{q}”.</span>}
        {found.map((e) => (
          <button key={e.unicode} type="button" title={`${e.label}${e.shortcodes[0] ? ` :${e.shortcodes[0]}:` : ''}`} aria-label={e.label} onClick={() => pick(e.unicode)}>
            {e.unicode}
          </button>
        ))}
      </div>
    </div>
  );
}
