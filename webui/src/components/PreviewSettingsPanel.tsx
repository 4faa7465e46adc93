import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { endpoints } from '../api/endpoints';
import type { ID, PreviewSettings } from '../api/types';
import * as actions from '../app/actions';

/** PreviewSettingsPanel lets workspace admins turn link previews, and the
 * message text in push notifications, on or off. */
export function PreviewSettingsPanel({ ws }: { ws: ID }) {
  const [set, setSet] = useState<PreviewSettings | null>(null);
  useEffect(() => {
    api.call<PreviewSettings>(endpoints.previewSettings, { params: { ws } }).then(setSet, (e) => actions.report(e, 'Could not load the preview settings'));
  }, [ws]);
  if (!set) return null;
  const change = (patch: Partial<Pick<PreviewSettings, 'link_previews' | 'notification_previews'>>) =>
    api.call<PreviewSettings>(endpoints.setPreviewSettings, { params: { ws }, body: patch }).then(setSet, (e) => actions.report(e, 'Could not save the preview settings'));
  return (
    <div className="card">
      <h2>Previews</h2>
      <label className="row">
        <input type="checkbox" checked={set.link_previews} onChange={(e) => void change({ link_previews: e.target.checked })} />
        Show link previews (the server fetches the first link of each new message)
      </label>
      <label className="row">
        <input type="checkbox" checked={set.notification_previews} onChange={(e) => void change({ notification_previews: e.target.checked })} />
        Show sender and message text in push notifications
      </label>
    </div>
  );
}
