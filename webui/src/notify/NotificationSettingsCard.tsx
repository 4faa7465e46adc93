import { useState } from 'react';
import type { Chat } from '../api/types';
import * as actions from '../app/actions';
import { useStore } from '../stores/store';
import { askPermission, notifySettings, permission, setMuted, updateSettings } from './index';
import { doNotDisturb } from './rules';

const SNOOZES: [string, number][] = [['30 minutes', 30], ['1 hour', 60], ['8 hours', 480], ['24 hours', 1440]];

/** NotificationSettingsCard: desktop permission, sound, do-not-disturb
 * (snooze now, or a daily schedule), all kept on the server. */
export function NotificationSettingsCard() {
  const s = useStore(notifySettings, (x) => x);
  const [perm, setPerm] = useState(permission());
  const save = (p: Parameters<typeof updateSettings>[0]) => void updateSettings(p).catch((e) => actions.report(e, 'Could not save the notification settings'));
  const dnd = doNotDisturb(s, new Date());
  return (
    <div className="card" data-testid="notification-settings">
      <h2>Notifications</h2>
      <p className="hint">Desktop notifications for direct messages, mentions and replies to your threads.</p>
      {perm === 'unsupported' ? (
        <p className="hint">This browser cannot show desktop notifications.</p>
      ) : perm === 'granted' ? (
        <p>Desktop notifications are on for this browser.</p>
      ) : perm === 'denied' ? (
        <p className="hint">Notifications are blocked in this browser's site settings.</p>
      ) : (
        <button className="btn" onClick={() => void askPermission(true).then(setPerm)}>Turn on desktop notifications</button>
      )}
      {!s ? <p aria-busy="true">Loading…</p> : (
        <>
          <label className="field-inline"><input type="checkbox" checked={s.sound} onChange={(e) => save({ sound: e.target.checked })} /> Play a sound</label>
          <h3>Do not disturb</h3>
          {s.dnd_until && new Date(s.dnd_until) > new Date() ? (
            <p>
              Paused until {new Date(s.dnd_until).toLocaleString()}{' '}
              <button className="btn small" onClick={() => save({ dnd_until: null })}>Resume now</button>
            </p>
          ) : (
            <div className="row" role="group" aria-label="Pause notifications for">
              {SNOOZES.map(([label, mins]) => (
                <button key={mins} className="btn small" onClick={() => save({ dnd_until: new Date(Date.now() + mins * 60_000).toISOString() })}>{label}</button>
              ))}
            </div>
          )}
          <label className="field-inline">
            <input type="checkbox" checked={s.schedule_enabled} onChange={(e) => save({ schedule_enabled: e.target.checked })} /> Every day from{' '}
            <input className="input time" type="time" aria-label="Quiet hours start" value={s.schedule_start} onChange={(e) => e.target.value && save({ schedule_start: e.target.value })} /> to{' '}
            <input className="input time" type="time" aria-label="Quiet hours end" value={s.schedule_end} onChange={(e) => e.target.value && save({ schedule_end: e.target.value })} />
          </label>
          {dnd && <p className="hint" role="status">Do not disturb is on now.</p>}
        </>
      )}
    </div>
  );
}

/** MuteButton mutes or unmutes the chat's notifications for the person. */
export function MuteButton({ chat }: { chat: Chat }) {
  const muted = useStore(notifySettings, (s) => s?.muted_chat_ids.includes(chat.id) ?? false);
  return (
    <button
      className="icon-btn"
      aria-pressed={muted}
      aria-label={muted ? 'Unmute this chat' : 'Mute this chat'}
      title={muted ? 'Muted: no notifications (click to unmute)' : 'Mute notifications'}
      onClick={() => void setMuted(chat.id, !muted).catch((e) => actions.report(e, 'Could not change the notifications'))}
    >
      {muted ? '🔕' : '🔔'}
    </button>
  );
}
