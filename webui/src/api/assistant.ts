// The assistant's admin API: settings, custom commands and the knowledge
// base of a workspace. Kept apart from client.ts; it calls through the one
// ApiClient, so tokens and refreshes work the same.
import { api } from './client';
import { endpoints } from './endpoints';
import type { ID } from './types';

export interface AssistantCommand {
  id?: ID;
  name: string;
  description: string;
  usage: string;
  template?: string;
  built_in: boolean;
}

export interface AssistantInfo {
  enabled: boolean;
  configured: boolean;
  turned_on: boolean;
  model: string;
  system_prompt: string;
  username: string;
  user_id: ID;
  commands: AssistantCommand[];
}

export interface KnowledgeDocument {
  id: ID;
  workspace_id: ID;
  title: string;
  format: 'text' | 'markdown';
  bytes: number;
  chunks: number;
  embedded: number;
  created_by: ID;
  created_at: string;
}

export interface CommandInput {
  name: string;
  description: string;
  template: string;
}

export const assistantApi = {
  info: (ws: ID) => api.call<AssistantInfo>(endpoints.assistant, { params: { ws } }),
  update: (ws: ID, b: { enabled?: boolean; system_prompt?: string }) =>
    api.call<AssistantInfo>(endpoints.updateAssistant, { params: { ws }, body: b }),
  commands: (ws: ID) =>
    api.call<{ commands: AssistantCommand[] }>(endpoints.assistantCommands, { params: { ws } }).then((r) => r.commands),
  createCommand: (ws: ID, b: CommandInput) => api.call<AssistantCommand>(endpoints.createAssistantCommand, { params: { ws }, body: b }),
  updateCommand: (ws: ID, command: ID, b: CommandInput) =>
    api.call<AssistantCommand>(endpoints.updateAssistantCommand, { params: { ws, command }, body: b }),
  deleteCommand: (ws: ID, command: ID) => api.call<void>(endpoints.deleteAssistantCommand, { params: { ws, command } }),
  documents: (ws: ID) =>
    api.call<{ documents: KnowledgeDocument[] }>(endpoints.knowledge, { params: { ws } }).then((r) => r.documents),
  addDocument: (ws: ID, b: { title: string; format?: string; text: string }) =>
    api.call<KnowledgeDocument>(endpoints.addKnowledge, { params: { ws }, body: b }),
  uploadDocument: (ws: ID, file: File, title?: string) => {
    const fd = new FormData();
    fd.append('file', file, file.name);
    if (title) fd.append('title', title);
    return api.call<KnowledgeDocument>(endpoints.addKnowledge, { params: { ws }, body: fd });
  },
  deleteDocument: (ws: ID, document: ID) => api.call<void>(endpoints.deleteKnowledge, { params: { ws, document } }),
};
