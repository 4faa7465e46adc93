import { useEffect, useRef, type ReactNode } from 'react';
import type { ID } from '../api/types';
import { colorFor, initials } from '../format';
import { dismissToast, presence, ui } from '../stores';
import { useStore } from '../stores/store';
import { useAvatarSrc, useKnownUser } from '../profile/avatars';

/** Avatar shows a person's picture, or their initials on a colour chosen
 * by their id while there is none (or it is still loading). */
export function Avatar({ id, name, size, showPresence, url }: { id: ID; name: string; size?: 'small' | 'large'; showPresence?: boolean; url?: string }) {
  const online = useStore(presence, (p) => !!p.online[id]);
  const known = useKnownUser(id);
  const src = useAvatarSrc(known ? known.avatar_url : url);
  return (
    <span className={`avatar${size ? ` ${size}` : ''}`} style={{ background: colorFor(id) }} aria-hidden="true" data-user-id={id}>
      {src ? <img className="avatar-img" src={src} alt={name} /> : initials(name)}
      {showPresence && <span className={`dot${online ? ' on' : ''}`} />}
    </span>
  );
}

export function PresenceDot({ id }: { id: ID }) {
  const online = useStore(presence, (p) => !!p.online[id]);
  return <span className={`dot inline${online ? ' on' : ''}`} role="img" aria-label={online ? 'online' : 'offline'} title={online ? 'Online' : 'Offline'} />;
}

/** Dialog is a modal: focus moves into it, Escape closes it, and focus
 * returns to where it was. */
export function Dialog({ title, onClose, children, wide, labelledBy }: { title: string; onClose: () => void; children: ReactNode; wide?: boolean; labelledBy?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>('[autofocus], input, textarea, select, button');
    first?.focus();
    return () => before?.focus?.();
  }, []);
  const onKey = (e: React.KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onClose();
    }
    if (e.key === 'Tab' && ref.current) {
      const f = [...ref.current.querySelectorAll<HTMLElement>('button, [href], input, select, textarea, [tabindex]:not([tabindex="-1"])')].filter((x) => !x.hasAttribute('disabled'));
      if (f.length === 0) return;
      const first = f[0]!;
      const last = f[f.length - 1]!;
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    }
  };
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div ref={ref} className={`dialog${wide ? ' wide' : ''}`} role="dialog" aria-modal="true" aria-label={labelledBy ? undefined : title} aria-labelledby={labelledBy} onKeyDown={onKey}>
        {children}
      </div>
    </div>
  );
}

export function Toasts() {
  const toasts = useStore(ui, (s) => s.toasts);
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast ${t.kind}`} role={t.kind === 'error' ? 'alert' : undefined}>
          <span className="grow">{t.text}</span>
          <button onClick={() => dismissToast(t.id)} aria-label="Dismiss">✕</button>
        </div>
      ))}
    </div>
  );
}

export function ConnectionBanner() {
  const c = useStore(ui, (s) => s.connection);
  const text =
    c === 'offline'
      ? "You're offline. Messages you write are kept and sent when the connection returns."
      : c === 'reconnecting'
        ? 'Connection lost. Reconnecting…'
        : c === 'unavailable'
          ? 'Live updates are not available from this server right now; retrying.'
          : null;
  if (!text) return null;
  return (
    <div className="banner" role="status" aria-live="polite">
      {text}
    </div>
  );
}

export function FieldError({ text }: { text?: string | undefined }) {
  if (!text) return null;
  return <div className="field-error">{text}</div>;
}
