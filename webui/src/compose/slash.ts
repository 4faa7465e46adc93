import { api } from '../api/client';
import type { ID } from '../api/types';

/** SlashCommand is one entry of the composer's "/" menu. */
export interface SlashCommand {
  name: string;
  description: string;
  /** source names where it comes from ("assistant", "workspace", ...). */
  source: string;
}

/** SlashSource lists the commands one provider offers in a workspace. */
export type SlashSource = (workspaceId: ID) => Promise<SlashCommand[]>;

const sources: SlashSource[] = [];

/** registerSlashSource adds a provider (integrations add theirs here);
 * every source is asked when the menu opens and the lists are joined,
 * first registration first, one entry per name. */
export function registerSlashSource(s: SlashSource): void {
  sources.push(s);
}

export const BUILTIN_COMMANDS: SlashCommand[] = [
  { name: 'ask', description: 'Ask the assistant a question', source: 'assistant' },
  { name: 'summarize', description: 'Summarize the recent conversation', source: 'assistant' },
  { name: 'translate', description: 'Translate text to another language', source: 'assistant' },
  { name: 'help', description: 'What the assistant can do', source: 'assistant' },
];

registerSlashSource(async () => BUILTIN_COMMANDS);

// The workspace's own assistant commands, cached for a minute.
const cache = new Map<ID, { at: number; list: Promise<SlashCommand[]> }>();
registerSlashSource((ws) => {
  const hit = cache.get(ws);
  if (hit && Date.now() - hit.at < 60_000) return hit.list;
  const list = api.assistantCommands(ws).then(
    (cmds) => cmds.map((c) => ({ name: c.name, description: c.description, source: 'workspace' })),
    () => [] as SlashCommand[],
  );
  cache.set(ws, { at: Date.now(), list });
  return list;
});

/** slashCommands joins every source's commands for a workspace. */
export async function slashCommands(ws: ID): Promise<SlashCommand[]> {
  const lists = await Promise.all(sources.map((s) => s(ws).catch(() => [] as SlashCommand[])));
  const seen = new Set<string>();
  const out: SlashCommand[] = [];
  for (const c of lists.flat()) {
    if (seen.has(c.name)) continue;
    seen.add(c.name);
    out.push(c);
  }
  return out;
}

/** matchCommands keeps those whose name starts with query, then those
 * whose description contains it. */
export function matchCommands(list: SlashCommand[], query: string): SlashCommand[] {
  const q = query.toLowerCase();
  return [
    ...list.filter((c) => c.name.toLowerCase().startsWith(q)),
    ...list.filter((c) => !c.name.toLowerCase().startsWith(q) && q.length > 1 && c.description.toLowerCase().includes(q)),
  ].slice(0, 8);
}
