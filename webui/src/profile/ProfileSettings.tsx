import { useEffect, useRef, useState, type FormEvent, type PointerEvent } from 'react';
import { api } from '../api/client';
import { describe } from '../api/errors';
import * as actions from '../app/actions';
import { Avatar, FieldError } from '../components/common';
import { session, toast } from '../stores';
import { useStore } from '../stores/store';
import { browserTimeZone, centredView, clampView, cropRect, expiresAtFor, expiryChoices, expiryLabel, localTimeLabel, scaleOf, statusLive, type CropView, type ExpiryChoice } from './status';

/** FRAME is the crop frame's edge in CSS pixels (see .crop-frame). */
const FRAME = 240;

/** ProfileSettings is the avatar, status and time zone part of Settings. */
export function ProfileSettings() {
  const user = useStore(session, (s) => s.user);
  if (!user) return null;
  return (
    <div className="card" id="profile-settings">
      <h2>Picture, status and time zone</h2>
      <AvatarEditor />
      <StatusEditor />
      <TimezoneEditor />
    </div>
  );
}

function AvatarEditor() {
  const user = useStore(session, (s) => s.user)!;
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [view, setView] = useState<CropView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const drag = useRef<{ x: number; y: number; vx: number; vy: number } | null>(null);
  useEffect(() => {
    if (!file) return;
    const url = URL.createObjectURL(file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);
  const onLoad = (img: HTMLImageElement) => setView(centredView(img.naturalWidth, img.naturalHeight, FRAME));
  const cancel = () => {
    setFile(null);
    setPreview(null);
    setView(null);
  };
  const save = async () => {
    if (!file || !view) return;
    setBusy(true);
    setError(null);
    try {
      actions.updateUser(await api.setAvatar(file, cropRect(view)));
      cancel();
      toast('Picture saved.', 'info');
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    try {
      actions.updateUser(await api.deleteAvatar());
    } catch (e) {
      setError(describe(e));
    }
  };
  const onDown = (e: PointerEvent<HTMLDivElement>) => {
    if (!view) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y };
  };
  const onMove = (e: PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (!d || !view) return;
    setView(clampView({ ...view, x: d.vx + e.clientX - d.x, y: d.vy + e.clientY - d.y }));
  };
  const zoomTo = (zoom: number) => {
    if (!view) return;
    // Keep the frame's centre on the same source point.
    const s0 = scaleOf(view);
    const cx = (FRAME / 2 - view.x) / s0;
    const cy = (FRAME / 2 - view.y) / s0;
    const next = { ...view, zoom };
    const s1 = scaleOf(next);
    setView(clampView({ ...next, x: FRAME / 2 - cx * s1, y: FRAME / 2 - cy * s1 }));
  };
  const s = view ? scaleOf(view) : 1;
  return (
    <section aria-labelledby="avatar-heading" className="profile-section">
      <h3 id="avatar-heading">Profile picture</h3>
      {error && <div className="form-error" role="alert">{error}</div>}
      {!file && (
        <div className="row">
          <Avatar id={user.id} name={user.display_name} size="large" url={user.avatar_url} />
          <label className="btn">
            Upload a picture…
            <input className="sr-only" type="file" accept="image/png,image/jpeg,image/gif,image/webp" aria-label="Choose a profile picture"
              onChange={(e) => { const f = e.target.files?.[0]; if (f) setFile(f); e.target.value = ''; }} />
          </label>
          {user.avatar_url && <button className="btn" onClick={() => void remove()}>Remove picture</button>}
        </div>
      )}
      {file && preview && (
        <div className="crop-editor">
          <div className="crop-frame" role="img" aria-label="Crop: drag to move the picture in the square" onPointerDown={onDown} onPointerMove={onMove} onPointerUp={() => { drag.current = null; }}>
            <img src={preview} alt="" draggable={false} onLoad={(e) => onLoad(e.currentTarget)} className="crop-img"
              style={view ? { width: `${view.width * s}px`, height: `${view.height * s}px`, transform: `translate(${view.x}px, ${view.y}px)` } : undefined} />
          </div>
          <label className="field">
            <span>Zoom</span>
            <input type="range" min={1} max={4} step={0.05} value={view?.zoom ?? 1} onChange={(e) => zoomTo(Number(e.target.value))} />
          </label>
          <div className="row">
            <button className="btn primary" disabled={!view || busy} onClick={() => void save()}>Save picture</button>
            <button className="btn" onClick={cancel}>Cancel</button>
          </div>
        </div>
      )}
    </section>
  );
}

function StatusEditor() {
  const user = useStore(session, (s) => s.user)!;
  const live = statusLive(user.status);
  const [emoji, setEmoji] = useState(live?.emoji ?? '');
  const [text, setText] = useState(live?.text ?? '');
  const [expiry, setExpiry] = useState<ExpiryChoice>('today');
  const [error, setError] = useState<string | null>(null);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      actions.updateUser(await api.setStatus({ emoji: emoji.trim(), text: text.trim(), expires_at: expiresAtFor(expiry) }));
      toast('Status set.', 'info');
    } catch (err) {
      setError(describe(err));
    }
  };
  const clear = async () => {
    try {
      actions.updateUser(await api.clearStatus());
      setEmoji('');
      setText('');
    } catch (err) {
      setError(describe(err));
    }
  };
  return (
    <section aria-labelledby="status-heading" className="profile-section">
      <h3 id="status-heading">Status</h3>
      {live && <p className="hint">Now: {live.emoji} {live.text} {expiryLabel(live.expires_at)}</p>}
      <form onSubmit={save}>
        {error && <div className="form-error" role="alert">{error}</div>}
        <div className="row">
          <label className="field status-emoji"><span>Emoji</span><input className="input" value={emoji} onChange={(e) => setEmoji(e.target.value)} placeholder="🌴" maxLength={16} /></label>
          <label className="field grow"><span>What are you up to?</span><input className="input" value={text} onChange={(e) => setText(e.target.value)} maxLength={100} placeholder="On holiday" /></label>
        </div>
        <FieldError text={text.length >= 100 ? 'At most 100 characters.' : undefined} />
        <label className="field">
          <span>Clear after</span>
          <select className="input" value={expiry} onChange={(e) => setExpiry(e.target.value as ExpiryChoice)}>
            {expiryChoices.map((c) => <option key={c.value} value={c.value}>{c.label}</option>)}
          </select>
        </label>
        <div className="row">
          <button className="btn primary" type="submit" disabled={!emoji.trim() && !text.trim()}>Set status</button>
          {live && <button className="btn" type="button" onClick={() => void clear()}>Clear status</button>}
        </div>
      </form>
    </section>
  );
}

function TimezoneEditor() {
  const user = useStore(session, (s) => s.user)!;
  const browser = browserTimeZone();
  const [tz, setTz] = useState(user.timezone || browser);
  const [error, setError] = useState<string | null>(null);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      actions.updateUser(await api.updateMe({ timezone: tz.trim() }));
      toast('Time zone saved.', 'info');
    } catch (err) {
      setError(describe(err));
    }
  };
  const label = localTimeLabel(tz.trim());
  return (
    <section aria-labelledby="tz-heading" className="profile-section">
      <h3 id="tz-heading">Time zone</h3>
      <form onSubmit={save}>
        {error && <div className="form-error" role="alert">{error}</div>}
        <label className="field"><span>IANA time zone (others see your local time)</span>
          <input className="input" value={tz} onChange={(e) => setTz(e.target.value)} placeholder="Europe/Paris" list="tz-suggestions" />
        </label>
        <datalist id="tz-suggestions">{browser && <option value={browser} />}</datalist>
        <p className="hint">{label ? `Your local time: ${label}` : 'Not a time zone this browser knows.'}{!user.timezone && browser ? ` Proposed from this browser: ${browser}.` : ''}</p>
        <button className="btn primary" type="submit">Save time zone</button>
      </form>
    </section>
  );
}
