import type { ID, Workspace, WorkspaceMember } from '../api/types';

export interface WorkspacesState {
  list: Workspace[];
  loaded: boolean;
  currentId: ID | null;
  members: Record<ID, WorkspaceMember[]>;
}

export const emptyWorkspaces: WorkspacesState = { list: [], loaded: false, currentId: null, members: {} };

export function setWorkspaces(s: WorkspacesState, list: Workspace[]): WorkspacesState {
  const sorted = list.slice().sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
  const currentId = s.currentId != null && sorted.some((w) => w.id === s.currentId) ? s.currentId : (sorted[0]?.id ?? null);
  return { ...s, list: sorted, loaded: true, currentId };
}

export function upsertWorkspace(s: WorkspacesState, w: Partial<Workspace> & { id: ID }): WorkspacesState {
  const prev = s.list.find((x) => x.id === w.id);
  const next = { ...(prev ?? { role: 'member' as const, name: '', created_at: '' }), ...w, role: w.role ?? prev?.role ?? 'member' } as Workspace;
  return setWorkspaces(s, [...s.list.filter((x) => x.id !== w.id), next]);
}

export function removeWorkspace(s: WorkspacesState, id: ID): WorkspacesState {
  const members = { ...s.members };
  delete members[id];
  return setWorkspaces({ ...s, members, currentId: s.currentId === id ? null : s.currentId }, s.list.filter((w) => w.id !== id));
}

export function setMembers(s: WorkspacesState, ws: ID, members: WorkspaceMember[]): WorkspacesState {
  const sorted = members.slice().sort((a, b) => a.user.display_name.localeCompare(b.user.display_name) || a.user.id - b.user.id);
  return { ...s, members: { ...s.members, [ws]: sorted } };
}

export function upsertMember(s: WorkspacesState, ws: ID, m: WorkspaceMember): WorkspacesState {
  const list = s.members[ws];
  if (!list) return s;
  return setMembers(s, ws, [...list.filter((x) => x.user.id !== m.user.id), m]);
}

export function removeMember(s: WorkspacesState, ws: ID, userId: ID): WorkspacesState {
  const list = s.members[ws];
  if (!list) return s;
  return { ...s, members: { ...s.members, [ws]: list.filter((x) => x.user.id !== userId) } };
}

export function canAdmin(w: Workspace | undefined): boolean {
  return w?.role === 'owner' || w?.role === 'admin';
}
