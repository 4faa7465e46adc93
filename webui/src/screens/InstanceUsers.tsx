import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { describe } from '../api/errors';
import type { AdminUser } from '../api/types';
import { revokeUserSessions } from '../api/instance';
import { Avatar } from '../components/common';
import { session } from '../stores';
import { useStore } from '../stores/store';

/** InstanceUsers is the instance administrator's list of every account:
 * disable or enable one (a disabled account's sessions end at once), and
 * make or unmake instance administrators, and issue a password reset link
 * to hand on. The server refuses what would
 * leave the instance without an administrator, and the page says so. */
export function InstanceUsers() {
  const me = useStore(session, (s) => s.user?.id ?? 0);
  const [users, setUsers] = useState<AdminUser[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [link, setLink] = useState<{ user: string; url: string; expires_at: string } | null>(null);
  const load = () => api.adminUsers().then(setUsers, (e) => setError(describe(e)));
  useEffect(() => {
    void load();
  }, []);
  const change = async (u: AdminUser, b: { disabled?: boolean; is_admin?: boolean }) => {
    setError(null);
    try {
      const nu = await api.patchAdminUser(u.id, b);
      setUsers((list) => list?.map((x) => (x.id === nu.id ? nu : x)) ?? null);
    } catch (e) {
      setError(describe(e));
    }
  };
  const resetLink = async (u: AdminUser) => {
    setError(null);
    try {
      const r = await api.adminResetLink(u.id);
      setLink({ user: u.display_name, ...r });
    } catch (e) {
      setError(describe(e));
    }
  };
  const [ended, setEnded] = useState<string | null>(null);
  const endSessions = async (u: AdminUser) => {
    setError(null);
    setEnded(null);
    try {
      await revokeUserSessions(u.id);
      setEnded(`${u.display_name} is signed out everywhere.`);
    } catch (e) {
      setError(describe(e));
    }
  };
  return (
    <section className="card" aria-label="Users of this instance" data-testid="instance-users">
      <h2>Users</h2>
      {error && <p className="field-error" role="alert">{error}</p>}
      {link && (
        <p className="hint" role="status">
          Password reset link for {link.user} (works once, until {new Date(link.expires_at).toLocaleString()}):{' '}
          <code data-testid="reset-link">{link.url}</code>
        </p>
      )}
      {ended && <p className="hint" role="status">{ended}</p>}
      {users === null && !error && <p aria-busy="true">Loading…</p>}
      <ul className="list">
        {users?.map((u) => (
          <li className="member" key={u.id}>
            <Avatar id={u.id} name={u.display_name} />
            <span className="who">
              {u.display_name}{u.id === me ? ' (you)' : ''}
              <small>@{u.username}{u.email ? ` · ${u.email}` : ''}{u.is_admin ? ' · instance admin' : ''}{u.disabled_at ? ' · disabled' : ''}</small>
            </span>
            {u.id !== me && (
              <span className="row">
                <button className="btn small" onClick={() => void resetLink(u)}>Reset link</button>
                <button className="btn small" onClick={() => void endSessions(u)} aria-label={`End sessions of ${u.display_name}`}>End sessions</button>
                <button className="btn small" onClick={() => void change(u, { is_admin: !u.is_admin })}>{u.is_admin ? 'Remove admin' : 'Make admin'}</button>
                <button className={`btn small${u.disabled_at ? '' : ' danger'}`} onClick={() => void change(u, { disabled: !u.disabled_at })}>
                  {u.disabled_at ? 'Enable' : 'Disable'}
                </button>
              </span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
