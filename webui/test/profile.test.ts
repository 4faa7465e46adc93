import { describe, expect, it } from 'vitest';
import { centredView, clampView, cropRect, expiresAtFor, expiryLabel, localTimeLabel, statusLive, utcOffset } from '../src/profile/status';
import { colorFor, initials } from '../src/format';

describe('statusLive', () => {
  const now = new Date('2026-12-07T12:00:00Z');
  it('drops empty and expired statuses', () => {
    expect(statusLive(undefined, now)).toBeNull();
    expect(statusLive({ emoji: '', text: '' }, now)).toBeNull();
    expect(statusLive({ emoji: '🌴', text: 'Away', expires_at: '2026-12-07T11:59:59Z' }, now)).toBeNull();
    expect(statusLive({ emoji: '🌴', text: 'Away', expires_at: '2026-12-07T12:00:00Z' }, now)).toBeNull();
  });
  it('keeps live statuses', () => {
    expect(statusLive({ emoji: '🌴', text: '', expires_at: '2026-12-07T12:00:01Z' }, now)?.emoji).toBe('🌴');
    expect(statusLive({ emoji: '', text: 'Busy' }, now)?.text).toBe('Busy');
  });
});

describe('expiry', () => {
  const now = new Date(2026, 11, 7, 14, 0, 0);
  it('computes the instants', () => {
    expect(expiresAtFor('never', now)).toBeNull();
    expect(new Date(expiresAtFor('30m', now)!).getTime() - now.getTime()).toBe(30 * 60_000);
    expect(new Date(expiresAtFor('4h', now)!).getTime() - now.getTime()).toBe(4 * 3600_000);
    expect(new Date(expiresAtFor('today', now)!).getTime()).toBe(new Date(2026, 11, 8).getTime());
  });
  it('labels them', () => {
    expect(expiryLabel(null, now)).toBe('');
    expect(expiryLabel(new Date(2026, 11, 7, 14, 30).toISOString(), now, 'en-GB')).toBe('until 14:30');
    expect(expiryLabel(expiresAtFor('today', now), now, 'en-GB')).toBe('until the end of today');
    expect(expiryLabel(new Date(2026, 11, 9, 9, 0).toISOString(), now, 'en-GB')).toBe('until Wed 09:00');
  });
});

describe('local time', () => {
  const winter = new Date('2026-12-07T13:03:00Z');
  const summer = new Date('2026-07-07T13:03:00Z');
  it('shows the time and offset', () => {
    expect(localTimeLabel('Europe/Paris', winter)).toBe('14:03 (UTC+1)');
    expect(localTimeLabel('Europe/Paris', summer)).toBe('15:03 (UTC+2)');
    expect(localTimeLabel('Asia/Kolkata', winter)).toBe('18:33 (UTC+5:30)');
    expect(localTimeLabel('America/St_Johns', winter)).toBe('09:33 (UTC-3:30)');
    expect(localTimeLabel('UTC', winter)).toBe('13:03 (UTC)');
    expect(utcOffset('America/New_York', winter)).toBe('UTC-5');
  });
  it('is empty for no or unknown zones', () => {
    expect(localTimeLabel('', winter)).toBe('');
    expect(localTimeLabel('Mars/Olympus', winter)).toBe('');
  });
});

describe('crop', () => {
  it('starts on the centred square', () => {
    expect(cropRect(centredView(300, 100, 240))).toEqual({ x: 100, y: 0, size: 100 });
    expect(cropRect(centredView(100, 300, 240))).toEqual({ x: 0, y: 100, size: 100 });
  });
  it('zooms and pans inside the image', () => {
    const v = clampView({ ...centredView(400, 400, 200), zoom: 2, x: -200, y: -200 });
    expect(cropRect(v)).toEqual({ x: 200, y: 200, size: 200 });
    const far = clampView({ ...v, x: -5000, y: 50 });
    expect(cropRect(far)).toEqual({ x: 200, y: 0, size: 200 });
    expect(clampView({ ...v, zoom: 0.1 }).zoom).toBe(1);
  });
});

describe('initials and colour', () => {
  it('takes first and last initials', () => {
    expect(initials('Ada Lovelace')).toBe('AL');
    expect(initials('  grace  ')).toBe('G');
    expect(initials('')).toBe('?');
    expect(initials('Jean Paul Sartre')).toBe('JS');
  });
  it('colours by id, stably', () => {
    expect(colorFor(3)).toBe(colorFor(11));
    expect(colorFor(1)).not.toBe(colorFor(2));
  });
});
