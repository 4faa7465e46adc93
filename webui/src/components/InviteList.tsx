import { useCallback, useEffect, useState } from 'react';
import { api } from '../api/client';
import type { ID, InviteInfo, WorkspaceMember } from '../api/types';
import * as actions from '../app/actions';
import { dateTime } from '../format';
import { toast } from '../stores';

/** inviteUses says how much of an invite is used, in words. */
export function inviteUses(inv: Pick<InviteInfo, 'uses' | 'max_uses'>): string {
  if (inv.max_uses === 0) return `${inv.uses} used, no limit`;
  return `${inv.uses} of ${inv.max_uses} used`;
}

/** inviteCreator names who made an invite: a member's display name, or
 * a neutral phrase when they are no longer in the workspace. */
export function inviteCreator(id: ID, members: readonly WorkspaceMember[]): string {
  return members.find((m) => m.user.id === id)?.user.display_name ?? 'a former member';
}

/** InviteTable shows the live invites of a workspace, each with a revoke
 * button. Codes are never shown: the server keeps only their hash. */
export function InviteTable({ invites, members, onRevoke }: { invites: readonly InviteInfo[]; members: readonly WorkspaceMember[]; onRevoke: (inv: InviteInfo) => void }) {
  if (invites.length === 0) return <p className="hint">No invite links are active.</p>;
  return (
    <ul className="list" aria-label="Active invite links">
      {invites.map((inv) => (
        <li key={inv.id} data-testid="invite-row">
          <span className="grow">
            {inviteUses(inv)}
            <span className="hint">
              {' · '}
              {inv.expires_at ? `expires ${dateTime(inv.expires_at)}` : 'never expires'}
              {' · '}made by {inviteCreator(inv.created_by, members)} on {dateTime(inv.created_at)}
            </span>
          </span>
          <button className="btn small danger" aria-label={`Revoke the invite made ${dateTime(inv.created_at)}`} onClick={() => onRevoke(inv)}>
            Revoke
          </button>
        </li>
      ))}
    </ul>
  );
}

/** InviteList loads the live invites of ws (admins only) and revokes them;
 * bump version to reload after creating one. */
export function InviteList({ ws, members, version }: { ws: ID; members: readonly WorkspaceMember[]; version: number }) {
  const [invites, setInvites] = useState<InviteInfo[] | null>(null);
  const load = useCallback(
    () => api.invites(ws).then(setInvites, (err: unknown) => actions.report(err, 'Could not load the invite links')),
    [ws],
  );
  useEffect(() => {
    void load();
  }, [load, version]);
  const revoke = (inv: InviteInfo) => {
    if (!confirm('Revoke this invite link? It stops working at once.')) return;
    api.revokeInvite(ws, inv.id).then(
      () => {
        toast('Invite link revoked.', 'info');
        void load();
      },
      (err: unknown) => actions.report(err, 'Could not revoke the invite link'),
    );
  };
  if (!invites) return <p className="hint">Loading invite links…</p>;
  return <InviteTable invites={invites} members={members} onRevoke={revoke} />;
}
