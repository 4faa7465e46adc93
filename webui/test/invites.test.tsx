import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ApiClient } from '../src/api/client';
import type { InviteInfo, WorkspaceMember } from '../src/api/types';
import { InviteTable, inviteCreator, inviteUses } from '../src/components/InviteList';

const member = (id: number, name: string): WorkspaceMember =>
  ({ user: { id, display_name: name, username: name.toLowerCase() }, role: 'admin', joined_at: '2030-01-01T00:00:00Z' }) as WorkspaceMember;

const invite = (id: number, extra: Partial<InviteInfo> = {}): InviteInfo => ({
  id, max_uses: 25, uses: 1, expires_at: '2030-01-08T00:00:00Z', created_by: 1, created_at: '2030-01-01T00:00:00Z', ...extra,
});

describe('invite list', () => {
  it('says how much of an invite is used', () => {
    expect(inviteUses({ uses: 1, max_uses: 25 })).toBe('1 of 25 used');
    expect(inviteUses({ uses: 3, max_uses: 0 })).toBe('3 used, no limit');
  });

  it('names the creator only among the members', () => {
    expect(inviteCreator(1, [member(1, 'Ann')])).toBe('Ann');
    expect(inviteCreator(9, [member(1, 'Ann')])).toBe('a former member');
  });

  it('shows one row with a revoke button per invite', () => {
    const html = renderToStaticMarkup(
      <InviteTable invites={[invite(1), invite(2, { max_uses: 0, expires_at: null, created_by: 9 })]} members={[member(1, 'Ann')]} onRevoke={() => {}} />,
    );
    expect(html.match(/data-testid="invite-row"/g)).toHaveLength(2);
    expect(html.match(/>Revoke</g)).toHaveLength(2);
    expect(html).toContain('1 of 25 used');
    expect(html).toContain('never expires');
    expect(html).toContain('made by Ann');
    expect(html).toContain('made by a former member');
  });

  it('says so when no invite is active', () => {
    expect(renderToStaticMarkup(<InviteTable invites={[]} members={[]} onRevoke={() => {}} />)).toContain('No invite links are active');
  });

  it('lists and revokes through the API', async () => {
    const seen: string[] = [];
    const c = new ApiClient((async (url: string, init: RequestInit) => {
      seen.push(`${init.method} ${url}`);
      if (init.method === 'DELETE') return new Response(null, { status: 204 });
      return new Response(JSON.stringify({ invites: [invite(7)] }), { status: 200, headers: { 'Content-Type': 'application/json' } });
    }) as unknown as typeof fetch);
    expect((await c.invites(3)).map((i) => i.id)).toEqual([7]);
    await c.revokeInvite(3, 7);
    expect(seen).toEqual(['GET /api/workspaces/3/invites', 'DELETE /api/workspaces/3/invites/7']);
  });
});
