import type { ID } from '../api/types';
import type { PinEvent, SavedEvent } from '../api/events.gen';

/** MarksState is what this person knows of pins (per chat, shared by the
 * chat's members) and of their own saved messages. A list is null until
 * loaded; `version` counts the changes heard for a chat (pins) or for the
 * saved list, so open panels know to reload. */
export interface MarksState {
  pinned: Record<ID, ID[] | undefined>;
  pinVersion: Record<ID, number | undefined>;
  saved: ID[] | null;
  savedVersion: number;
}

export const emptyMarks: MarksState = { pinned: {}, pinVersion: {}, saved: null, savedVersion: 0 };

/** MarkEvent is the data of a pin.* or saved.* event, any field missing. */
export type MarkEvent = Partial<Omit<PinEvent, 'type'> & Omit<SavedEvent, 'type'>>;

function toggled(list: ID[], id: ID, on: boolean): ID[] {
  const has = list.includes(id);
  if (has === on) return list;
  return on ? [...list, id] : list.filter((x) => x !== id);
}

/** reduceMarks applies one pin.* or saved.* event; other types leave the
 * state as it was. Applying an event twice is the same as once. */
export function reduceMarks(s: MarksState, type: string, d: MarkEvent): MarksState {
  if ((type === 'pin.added' || type === 'pin.removed') && d.chat_id != null && d.pin) {
    const chat = d.chat_id;
    const list = s.pinned[chat];
    return {
      ...s,
      pinned: list ? { ...s.pinned, [chat]: toggled(list, d.pin.message_id, type === 'pin.added') } : s.pinned,
      pinVersion: { ...s.pinVersion, [chat]: (s.pinVersion[chat] ?? 0) + 1 },
    };
  }
  if ((type === 'saved.added' || type === 'saved.removed') && d.saved) {
    return {
      ...s,
      saved: s.saved ? toggled(s.saved, d.saved.message_id, type === 'saved.added') : s.saved,
      savedVersion: s.savedVersion + 1,
    };
  }
  return s;
}
