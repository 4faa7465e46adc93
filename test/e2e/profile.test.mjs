// Profiles (issue 15): Alice uploads and crops a picture, sets a status
// and her time zone in Settings; Bob sees the picture, the status and her
// local time on his screen in real time. One server, two people.
//   FECHATTER_BIN=... node --test --test-concurrency=1 profile.test.mjs
// DOCS_SCREENSHOTS=1 also saves docs/screenshots/avatar-and-status.png.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { a11yProblems, api, myChat, person, repo, seedTeam, signIn, startServer, journeyRunner } from './harness.mjs';

const ALICE = { name: 'Alice Admin', username: 'alice', email: 'alice@example.com', password: 'correct-horse-1' };
const BOB = { name: 'Bob Builder', username: 'bob', email: 'bob@example.com', password: 'battery-staple-2' };
const T = 20_000;

let srv;
let team;
let general;
let alice;
let bob;

/** png encodes a w×h RGB image whose pixel colour is fn(x, y). */
function png(w, h, fn) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0;
    for (let x = 0; x < w; x++) raw.set(fn(x, y), y * (w * 3 + 1) + 1 + x * 3);
  }
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

async function enter(p, who) {
  await signIn(p, srv.url, who);
  await p.page.getByRole('navigation', { name: 'Chats in this workspace' }).waitFor({ timeout: T });
}

async function shot(p, file, docsName) {
  await p.shot(file);
  if (process.env.DOCS_SCREENSHOTS === '1' && docsName) await p.page.screenshot({ path: join(repo, 'docs', 'screenshots', docsName) });
}

before(async () => {
  srv = await startServer();
  team = await seedTeam(srv, { admin: ALICE, members: [BOB] });
  general = await myChat(srv, team.people[0].token, team.workspace.id, 'general');
  await api(srv.url, team.people[0].token, 'POST', `/api/chats/${general.id}/messages`, { content: 'Morning all, new picture soon', client_id: 'p-1' });
  alice = await person('profile-alice');
  bob = await person('profile-bob');
});

after(async () => {
  await alice?.close();
  await bob?.close();
  await srv?.stop();
});

const journey = journeyRunner('profile-', () => [alice, bob]);

describe('avatars, status and local time', () => {
  const aliceId = () => team.people[0].user.id;
  const aliceAvatarOnBob = () => bob.page.locator(`article.msg .avatar[data-user-id="${aliceId()}"]`).last();

  journey('an uploaded, cropped picture shows on the other person\'s screen', async () => {
    await enter(bob, BOB);
    await bob.page.goto(`${srv.url}/w/${team.workspace.id}/c/${general.id}`);
    await aliceAvatarOnBob().waitFor({ timeout: T });
    assert.equal(await aliceAvatarOnBob().locator('img').count(), 0, 'initials before any upload');
    assert.equal((await aliceAvatarOnBob().innerText()).trim(), 'AA');

    await enter(alice, ALICE);
    // Reading #general first leaves no unread badge in the sidebar, whose
    // label axe flags (label-content-name-mismatch, not this feature's).
    await alice.page.goto(`${srv.url}/w/${team.workspace.id}/c/${general.id}`);
    await alice.page.locator('article.msg', { hasText: 'new picture soon' }).waitFor({ timeout: T });
    await alice.page.locator('.chat-item.unread').waitFor({ state: 'detached', timeout: T });
    await alice.page.getByRole('button', { name: /^Settings/ }).click();
    await alice.page.getByRole('heading', { name: 'Picture, status and time zone' }).waitFor({ timeout: T });
    // A 320x200 picture: orange left, teal right; the default crop is the centre.
    const picture = png(320, 200, (x) => (x < 160 ? [240, 120, 20] : [20, 150, 150]));
    await alice.page.getByLabel('Choose a profile picture').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: picture });
    const frame = alice.page.getByRole('img', { name: /Crop: drag/ });
    await frame.waitFor({ timeout: T });
    // Drag the picture right (shows more of the left) and zoom in a little.
    const box = await frame.boundingBox();
    await alice.page.mouse.move(box.x + 120, box.y + 120);
    await alice.page.mouse.down();
    await alice.page.mouse.move(box.x + 180, box.y + 120, { steps: 4 });
    await alice.page.mouse.up();
    await alice.page.getByLabel('Zoom').fill('1.5');
    const saved = alice.page.waitForResponse((r) => r.url().includes('/api/me/avatar') && r.request().method() === 'PUT');
    await alice.page.getByRole('button', { name: 'Save picture' }).click();
    const res = await saved;
    assert.equal(res.status(), 200);
    const query = new URL(res.url()).searchParams;
    assert.ok(Number(query.get('size')) > 0 && Number(query.get('size')) < 200, `crop size ${query.get('size')}`);
    assert.ok(Number(query.get('x')) < 60, `crop moved left: x=${query.get('x')}`);
    const me = await res.json();
    assert.match(me.avatar_url, new RegExp(`^/api/users/${aliceId()}/avatar\\?v=[0-9a-f]+$`));
    await alice.page.locator('#profile-settings .avatar img.avatar-img').waitFor({ timeout: T });

    // Bob's screen swaps the initials for the picture without a reload.
    await aliceAvatarOnBob().locator('img.avatar-img').waitFor({ timeout: T });
    const src = await aliceAvatarOnBob().locator('img').getAttribute('src');
    assert.match(src, /^blob:/);
    assert.equal(await aliceAvatarOnBob().locator('img').getAttribute('alt'), 'Alice Admin');
  });

  journey('a status with an expiry shows next to the name and on the card', async () => {
    await alice.page.getByLabel('Emoji').fill('🌴');
    await alice.page.getByLabel('What are you up to?').fill('Working from the beach');
    await alice.page.getByLabel('Clear after').selectOption('1h');
    await alice.page.getByRole('button', { name: 'Set status' }).click();
    await alice.page.getByText(/Now: 🌴 Working from the beach until/).waitFor({ timeout: T });
    const badge = bob.page.getByRole('img', { name: 'Status: 🌴 Working from the beach' }).first();
    await badge.waitFor({ timeout: T });
  });

  journey('a time zone shows as local time on the profile card', async () => {
    const tz = alice.page.getByLabel(/IANA time zone/);
    assert.equal(await tz.inputValue(), 'UTC', 'proposed from the browser (Chromium runs in UTC here)');
    await tz.fill('Mars/Olympus');
    await alice.page.getByRole('button', { name: 'Save time zone' }).click();
    await alice.page.getByRole('alert').filter({ hasText: /time zone/i }).waitFor({ timeout: T });
    await tz.fill('Asia/Kolkata');
    await alice.page.getByRole('button', { name: 'Save time zone' }).click();
    await alice.page.getByText('Your local time:').waitFor({ timeout: T });
    await alice.page.getByRole('alert').filter({ hasText: /time zone/i }).waitFor({ state: 'detached', timeout: T });
    assert.deepEqual(await a11yProblems(alice.page), [], 'axe on the profile settings');

    await bob.page.locator('article.msg').last().getByRole('button', { name: 'Alice Admin' }).click();
    const card = bob.page.getByRole('dialog', { name: 'Profile of Alice Admin' });
    await card.waitFor({ timeout: T });
    await card.getByText('Working from the beach').waitFor({ timeout: T });
    await card.getByText(/^Local time \d\d:\d\d \(UTC\+5:30\)$/).waitFor({ timeout: T });
    await card.locator('.avatar img.avatar-img').waitFor({ timeout: T });
    assert.deepEqual(await a11yProblems(bob.page), [], 'axe on the profile card');
    await shot(bob, 'profile-card.png', 'avatar-and-status.png');
    await card.getByRole('button', { name: 'Close' }).click();
  });

  journey('the avatar is cached for good and refused to strangers', async () => {
    const me = await api(srv.url, team.people[0].token, 'GET', '/api/me');
    const r = await fetch(`${srv.url}${me.avatar_url}`, { headers: { Authorization: `Bearer ${team.people[1].token}` } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cache-control'), 'private, max-age=31536000, immutable');
    const again = await fetch(`${srv.url}${me.avatar_url}`, { headers: { Authorization: `Bearer ${team.people[1].token}`, 'If-None-Match': r.headers.get('etag') } });
    assert.equal(again.status, 304);
    assert.equal((await fetch(`${srv.url}${me.avatar_url}`)).status, 401);
  });
});
