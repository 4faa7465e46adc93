import { useEffect, useState } from 'react';
import type { ID, User } from '../api/types';
import { Avatar, Dialog, PresenceDot } from '../components/common';
import { createStore, useStore } from '../stores/store';
import { useKnownUser } from './avatars';
import { expiryLabel, localTimeLabel, statusLive } from './status';

/** profileCard is whose card is open (null: none). */
export const profileCard = createStore<{ user: User } | null>(null);

/** openProfile shows a person's card; the freshest known copy wins. */
export function openProfile(user: User): void {
  profileCard.set(() => ({ user }));
}

/** useNow re-renders every minute, for clocks and expiring statuses. */
function useNow(): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), 30_000);
    return () => clearInterval(t);
  }, []);
  return now;
}

/** StatusBadge is a person's status emoji next to their name, with the
 * text as its accessible name and tooltip. */
export function StatusBadge({ id, fallback }: { id: ID; fallback?: User }) {
  const u = useKnownUser(id) ?? fallback ?? null;
  const now = useNow();
  const st = statusLive(u?.status, now);
  if (!st) return null;
  const label = [st.emoji, st.text].filter(Boolean).join(' ');
  return (
    <span className="status-badge" role="img" aria-label={`Status: ${label}`} title={label}>
      {st.emoji || '💬'}
    </span>
  );
}

/** ProfileCardHost renders the open profile card. */
export function ProfileCardHost() {
  const open = useStore(profileCard, (s) => s);
  if (!open) return null;
  return <ProfileCard user={open.user} onClose={() => profileCard.set(() => null)} />;
}

function ProfileCard({ user, onClose }: { user: User; onClose: () => void }) {
  const u = useKnownUser(user.id) ?? user;
  const now = useNow();
  const st = statusLive(u.status, now);
  const local = localTimeLabel(u.timezone, now);
  return (
    <Dialog title={`Profile of ${u.display_name}`} onClose={onClose}>
      <div className="profile-card">
        <Avatar id={u.id} name={u.display_name} size="large" url={u.avatar_url} />
        <div className="grow">
          <h2 className="profile-name">{u.display_name} <PresenceDot id={u.id} /></h2>
          <div className="hint">@{u.username}{u.is_bot ? ' · bot' : ''}</div>
          {st && (
            <p className="profile-status">
              <span aria-hidden="true">{st.emoji}</span> {st.text}
              {st.expires_at && <span className="hint"> · {expiryLabel(st.expires_at, now)}</span>}
            </p>
          )}
          {local && <p className="profile-time" data-testid="local-time">Local time {local}</p>}
        </div>
      </div>
      <div className="row end">
        <button className="btn" onClick={onClose}>Close</button>
      </div>
    </Dialog>
  );
}
