import type { ID, User } from '../api/types';
import type { OutboxItem } from '../outbox/outbox';
import { emptyChats, type ChatsState } from '../state/chats';
import { emptyChatMembers, type ChatMembersState } from '../state/members';
import { emptyMessages, type MessagesState } from '../state/messages';
import { emptyPresence, type PresenceState } from '../state/presence';
import { emptyWorkspaces, type WorkspacesState } from '../state/workspaces';
import type { AppData } from '../state/events';
import { createStore } from './store';

// One store per domain. Components subscribe to the slice they show;
// the event stream and the actions are the only writers.

export type SessionStatus = 'booting' | 'setup' | 'signedOut' | 'signedIn';

export interface SessionState {
  status: SessionStatus;
  user: User | null;
  /** offline is true when the app runs from cache without a server. */
  offline: boolean;
  bootError: string | null;
}

export const session = createStore<SessionState>({ status: 'booting', user: null, offline: false, bootError: null });
export const workspaces = createStore<WorkspacesState>(emptyWorkspaces);
export const chats = createStore<ChatsState>(emptyChats);
export const messages = createStore<MessagesState>(emptyMessages);
export const chatMembers = createStore<ChatMembersState>(emptyChatMembers);
export const presence = createStore<PresenceState>(emptyPresence);
export const outbox = createStore<OutboxItem[]>([]);

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'offline' | 'unavailable';

export interface Toast {
  id: number;
  text: string;
  kind: 'error' | 'info';
}

export interface UIState {
  threadRootId: ID | null;
  panel: 'none' | 'members' | 'thread' | 'settings' | 'pins' | 'saved' | 'mentions';
  searchOpen: boolean;
  sidebarOpen: boolean;
  connection: Connection;
  toasts: Toast[];
  theme: 'system' | 'light' | 'dark';
  jumpTo: { chatId: ID; seq: number } | null;
}

function initialTheme(): UIState['theme'] {
  try {
    const t = localStorage.getItem('fechatter.theme');
    if (t === 'light' || t === 'dark') return t;
  } catch {
    // Storage may be blocked; the system theme is a fine default.
  }
  return 'system';
}

export const ui = createStore<UIState>({
  threadRootId: null,
  panel: 'none',
  searchOpen: false,
  sidebarOpen: false,
  connection: 'connecting',
  toasts: [],
  theme: typeof localStorage === 'undefined' ? 'system' : initialTheme(),
  jumpTo: null,
});

let toastSeq = 0;

/** toast shows a message to the person; errors stay until dismissed or
 * replaced, information fades. */
export function toast(text: string, kind: Toast['kind'] = 'error'): void {
  const id = ++toastSeq;
  ui.set((s) => ({ ...s, toasts: [...s.toasts.filter((t) => t.text !== text).slice(-3), { id, text, kind }] }));
  setTimeout(() => dismissToast(id), kind === 'error' ? 10_000 : 4000);
}

export function dismissToast(id: number): void {
  ui.set((s) => ({ ...s, toasts: s.toasts.filter((t) => t.id !== id) }));
}

/** readData and writeData move the domain stores in and out of the event
 * reducer's single AppData value. */
export function readData(): AppData {
  return {
    workspaces: workspaces.get(),
    chats: chats.get(),
    messages: messages.get(),
    members: chatMembers.get(),
    presence: presence.get(),
  };
}

export function writeData(d: AppData): void {
  workspaces.set(d.workspaces);
  chats.set(d.chats);
  messages.set(d.messages);
  chatMembers.set(d.members);
  presence.set(d.presence);
}

export function resetData(): void {
  writeData({ workspaces: emptyWorkspaces, chats: emptyChats, messages: emptyMessages, members: emptyChatMembers, presence: emptyPresence });
  outbox.set([]);
}
