import { useEffect, useState } from 'react';
import { describe } from '../api/errors';
import { instanceSettings, patchInstanceSettings, type InstanceSettings as Settings, type WorkspaceCreation } from '../api/instance';

/** InstanceSettings is the instance administrator's card of instance-wide
 * switches: who may create workspaces, and whether members see each
 * other's email addresses. Each change is saved at once (and lands in the
 * audit log). */
export function InstanceSettings() {
  const [s, setS] = useState<Settings | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => {
    instanceSettings().then(setS, (e) => setError(describe(e)));
  }, []);
  const save = async (b: Partial<Settings>, what: string) => {
    const before = s;
    setError(null);
    setSaved(null);
    // Shown at once (a checkbox that waits for the server looks broken);
    // put back if the server refuses.
    setS((cur) => (cur ? { ...cur, ...b } : cur));
    try {
      setS(await patchInstanceSettings(b));
      setSaved(`Saved: ${what}.`);
    } catch (e) {
      setS(before);
      setError(describe(e));
    }
  };
  return (
    <section className="card" aria-labelledby="instance-settings-title" data-testid="instance-settings">
      <h2 id="instance-settings-title">Instance settings</h2>
      {error && <p className="field-error" role="alert">{error}</p>}
      {s === null && !error && <p aria-busy="true">Loading…</p>}
      {s && (
        <>
          <label className="field">
            <span>Who may create workspaces</span>
            <select
              className="input"
              name="workspace_creation"
              value={s.workspace_creation}
              onChange={(e) => void save({ workspace_creation: e.target.value as WorkspaceCreation }, 'who may create workspaces')}
            >
              <option value="everyone">Everyone</option>
              <option value="admins">Only instance administrators</option>
            </select>
          </label>
          <label className="row">
            <input
              type="checkbox"
              name="show_member_emails"
              checked={s.show_member_emails}
              onChange={(e) => void save({ show_member_emails: e.target.checked }, e.target.checked ? 'members see email addresses' : 'email addresses hidden')}
            />{' '}
            Members see each other&apos;s email addresses
          </label>
          <p className="hint">When off, people see only their own address; instance administrators see all.</p>
        </>
      )}
      <p className="hint" role="status">{saved}</p>
    </section>
  );
}
