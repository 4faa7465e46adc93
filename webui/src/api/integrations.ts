// Typed calls of the integrations endpoints (bots, webhooks, slash
// commands), over the one ApiClient and its endpoint table.
import { api } from './client';
import { endpoints } from './endpoints';
import type { ID, User } from './types';

export interface BotToken {
  id: ID;
  bot_id: ID;
  workspace_id: ID;
  hint: string;
  created_at: string;
  last_used_at?: string;
  revoked_at?: string;
}

export interface WorkspaceBot {
  user: User;
  workspace_id: ID;
  created_by: ID;
  created_at: string;
  tokens: BotToken[];
}

export type IntegrationKind = 'incoming' | 'outgoing' | 'command';

export interface Integration {
  id: ID;
  workspace_id: ID;
  kind: IntegrationKind;
  name: string;
  description: string;
  chat_ids: ID[];
  trigger_words: string[];
  url: string;
  secret: string;
  bot_id: ID;
  created_by: ID;
  created_at: string;
}

export interface IntegrationInput {
  name?: string;
  description?: string;
  chat_id?: ID;
  chat_ids?: ID[];
  trigger_words?: string[];
  url?: string;
}

/** CommandAnswer is the answer of a message that ran a slash command
 * whose reply only its author sees (202), or that failed. */
export interface CommandAnswer {
  command: string;
  response_type: 'ephemeral' | 'in_channel';
  text: string;
  ok: boolean;
  chat_id: ID;
}

/** isCommandAnswer tells a slash command's answer from a stored message. */
export function isCommandAnswer(v: unknown): v is CommandAnswer {
  return typeof v === 'object' && v !== null && 'response_type' in v && !('seq' in v);
}

const kinds = {
  incoming: { list: endpoints.incomingWebhooks, create: endpoints.createIncomingWebhook, remove: endpoints.deleteIncomingWebhook },
  outgoing: { list: endpoints.outgoingWebhooks, create: endpoints.createOutgoingWebhook, remove: endpoints.deleteOutgoingWebhook },
  command: { list: endpoints.slashCommands, create: endpoints.createSlashCommand, remove: endpoints.deleteSlashCommand },
} as const;

export const integrations = {
  bots: (ws: ID) => api.call<{ bots: WorkspaceBot[] }>(endpoints.bots, { params: { ws } }).then((r) => r.bots),
  createBot: (ws: ID, username: string, display_name: string) =>
    api.call<{ bot: WorkspaceBot; token: string }>(endpoints.createBot, { params: { ws }, body: { username, display_name } }),
  deleteBot: (ws: ID, bot: ID) => api.call<void>(endpoints.deleteBot, { params: { ws, bot } }),
  createBotToken: (ws: ID, bot: ID) => api.call<{ token: string; info: BotToken }>(endpoints.createBotToken, { params: { ws, bot } }),
  revokeBotToken: (ws: ID, bot: ID, token: ID) => api.call<void>(endpoints.revokeBotToken, { params: { ws, bot, token } }),
  list: (ws: ID, kind: IntegrationKind) =>
    api.call<{ integrations: Integration[] }>(kinds[kind].list, { params: { ws } }).then((r) => r.integrations),
  create: (ws: ID, kind: IntegrationKind, b: IntegrationInput) => api.call<Integration>(kinds[kind].create, { params: { ws }, body: b }),
  remove: (ws: ID, kind: IntegrationKind, id: ID) => api.call<void>(kinds[kind].remove, { params: { ws, id } }),
};
