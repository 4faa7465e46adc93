// Instance settings (who may create workspaces, whether members see each
// other's email) and ending a user's sessions (docs/instance-admin.md).
import { api } from './client';
import { endpoints } from './endpoints';
import type { ID } from './types';

export type WorkspaceCreation = 'everyone' | 'admins';

/** InstanceInfo is what any signed-in user learns from GET /api/instance. */
export interface InstanceInfo {
  workspace_creation: WorkspaceCreation;
  show_member_emails: boolean;
  can_create_workspace: boolean;
}

export interface InstanceSettings {
  workspace_creation: WorkspaceCreation;
  show_member_emails: boolean;
  /** null while the settings are the defaults. */
  updated_at: string | null;
}

export const instanceInfo = () => api.call<InstanceInfo>(endpoints.instanceInfo);

export const instanceSettings = () => api.call<InstanceSettings>(endpoints.instanceSettings);

export const patchInstanceSettings = (b: Partial<Pick<InstanceSettings, 'workspace_creation' | 'show_member_emails'>>) =>
  api.call<InstanceSettings>(endpoints.patchInstanceSettings, { body: b });

/** revokeUserSessions ends every session of a user: their tabs are signed out at once. */
export const revokeUserSessions = (user: ID) => api.call<void>(endpoints.revokeUserSessions, { params: { user } });
