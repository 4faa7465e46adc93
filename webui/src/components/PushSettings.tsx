import { useEffect, useState } from 'react';
import * as actions from '../app/actions';
import { pushSupported, subscribe, subscribed, unsubscribe } from '../app/push';

/** PushSettings turns push notifications for direct messages and mentions
 * on or off for this device. */
export function PushSettings() {
  const [on, setOn] = useState<boolean | null>(null);
  useEffect(() => {
    void subscribed().then(setOn, () => setOn(false));
  }, []);
  if (!pushSupported()) return null;
  const toggle = async () => {
    try {
      if (on) await unsubscribe();
      else await subscribe();
      setOn(!on);
    } catch (e) {
      actions.report(e, 'Push notifications');
    }
  };
  return (
    <div className="card">
      <h2>Push notifications</h2>
      <p className="hint">Direct messages and mentions reach this device while no Fechatter tab is open or in view.</p>
      <label className="row">
        <input type="checkbox" checked={!!on} disabled={on === null} onChange={() => void toggle()} />
        Push notifications on this device
      </label>
    </div>
  );
}
