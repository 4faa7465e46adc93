import { api } from '../api/client';
import { endpoints } from '../api/endpoints';
import type { ID } from '../api/types';
import { registerSlashSource, type SlashCommand } from './slash';

/** WorkspaceCommand is a slash-command integration as members see it
 * (GET /api/workspaces/{ws}/commands): never its URL or secret. */
export interface WorkspaceCommand {
  name: string;
  description: string;
  usage: string;
}

export function workspaceCommands(ws: ID): Promise<WorkspaceCommand[]> {
  return api.call<{ commands: WorkspaceCommand[] }>(endpoints.workspaceCommands, { params: { ws } }).then((r) => r.commands);
}

/** asSlashCommand shows the usage after the description in the "/" menu. */
export function asSlashCommand(c: WorkspaceCommand): SlashCommand {
  return { name: c.name, description: c.description ? `${c.description} — ${c.usage}` : c.usage, source: 'integration' };
}

// The workspace's slash-command integrations, cached for a minute like
// the assistant's commands.
const cache = new Map<ID, { at: number; list: Promise<SlashCommand[]> }>();
registerSlashSource((ws) => {
  const hit = cache.get(ws);
  if (hit && Date.now() - hit.at < 60_000) return hit.list;
  const list = workspaceCommands(ws).then((cmds) => cmds.map(asSlashCommand), () => [] as SlashCommand[]);
  cache.set(ws, { at: Date.now(), list });
  return list;
});
