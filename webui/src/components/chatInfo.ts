import type { Chat, ID } from '../api/types';
import { chatTitle } from '../state/chats';
import { chatMembers, session } from '../stores';
import { useStore } from '../stores/store';

export const chatTypeLabel: Record<Chat['type'], string> = {
  direct: 'Direct message',
  group: 'Group',
  private_channel: 'Private channel',
  public_channel: 'Public channel',
};

export function chatIcon(c: Pick<Chat, 'type'>): string {
  switch (c.type) {
    case 'public_channel':
      return '#';
    case 'private_channel':
      return '🔒';
    case 'group':
      return '👥';
    case 'direct':
      return '@';
  }
}

/** useChatTitle names a chat; direct chats and unnamed groups by their
 * other members, once those are loaded. */
export function useChatTitle(c: Chat | undefined): string {
  const me = useStore(session, (s) => s.user?.id ?? 0);
  const members = useStore(chatMembers, (s) => (c ? s.byChat[c.id] : undefined));
  if (!c) return '';
  if (c.name) return c.name;
  const names = new Map<ID, string>((members ?? []).map((m) => [m.user.id, m.user.display_name || m.user.username]));
  return chatTitle(c, (id) => names.get(id), members?.map((m) => m.user.id), me);
}

/** useDirectPeer is the other person of a direct chat. */
export function useDirectPeer(c: Chat | undefined): ID | null {
  const me = useStore(session, (s) => s.user?.id ?? 0);
  const members = useStore(chatMembers, (s) => (c ? s.byChat[c.id] : undefined));
  if (!c || c.type !== 'direct' || !members) return null;
  return members.find((m) => m.user.id !== me)?.user.id ?? null;
}
