// Journeys for formatted messages, desktop notifications with the unread
// count, and drafts (issue 15). One server, two people seeded over the API.
//   FECHATTER_BIN=... node --test --test-concurrency=1 formatting.test.mjs
// DOCS_SCREENSHOTS=1 also saves docs/screenshots/formatted-messages.png,
// notification-unread-count.png and draft.png.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { a11yProblems, api, person, repo, seedTeam, signIn, startServer, myChat, journeyRunner } from './harness.mjs';

const ALICE = { name: 'Alice Admin', username: 'alice', email: 'alice@example.com', password: 'correct-horse-1' };
const BOB = { name: 'Bob Builder', username: 'bob', email: 'bob@example.com', password: 'battery-staple-2' };
const T = 20_000;

let srv;
let team;
let general;
let dm;
let alice;
let bob;

const chatUrl = (chat) => `${srv.url}/w/${team.workspace.id}/c/${chat.id}`;
const msgWith = (p, text) => p.page.locator('article.msg', { has: p.page.locator('.msg-body', { hasText: text }) }).last();

/** watchNotifications records every Notification the page creates and
 * lets the test hide the tab (visibilityState, hasFocus), before any
 * script of the page runs. Injected over DevTools, so the CSP stays on. */
function watchNotifications() {
  window.__notes = [];
  const Real = window.Notification;
  class Recorded extends Real {
    constructor(title, opts) {
      window.__notes.push({ title, body: opts?.body ?? '' });
      super(title, opts);
    }
  }
  window.Notification = Recorded;
  let hidden = false;
  window.__setHidden = (h) => {
    hidden = h;
    document.dispatchEvent(new Event('visibilitychange'));
  };
  Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
  Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => hidden });
  const hasFocus = Document.prototype.hasFocus;
  Document.prototype.hasFocus = function () {
    return hidden ? false : hasFocus.call(this);
  };
}

/** enter signs who in and waits until the app shows the workspace. */
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
  const [a, b] = team.people;
  general = await myChat(srv, a.token, team.workspace.id, 'general');
  dm = await api(srv.url, a.token, 'POST', `/api/workspaces/${team.workspace.id}/chats`, { type: 'direct', member_ids: [b.user.id] });
  alice = await person('fmt-alice');
  bob = await person('fmt-bob');
  await bob.context.grantPermissions(['notifications'], { origin: srv.url });
  await bob.page.addInitScript(watchNotifications);
});

after(async () => {
  await alice?.close();
  await bob?.close();
  await srv?.stop();
});

const journey = journeyRunner('fmt-', () => [alice, bob]);

describe('formatting, notifications and drafts', () => {
  journey('renders a message with bold, a link and a highlighted code block', async () => {
    await enter(alice, ALICE);
    await alice.page.goto(chatUrl(general));
    const box = alice.page.getByTestId('composer');
    await box.click();
    await box.fill('Deploy is **done**, notes at https://example.com/notes :tada:\n```js\nconst answer = 42;\n```');
    await box.press('Enter');
    const m = msgWith(alice, 'Deploy is');
    await m.locator('strong', { hasText: 'done' }).waitFor({ timeout: T });
    const link = m.locator('a[href="https://example.com/notes"]');
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer nofollow');
    await m.locator('pre.code-block code.hljs .hljs-keyword', { hasText: 'const' }).waitFor({ timeout: T });
    await m.locator('.emoji', { hasText: '🎉' }).waitFor({ timeout: T });
    // Markup in a message stays text: no element, no handler runs.
    await box.fill('<img src=x onerror="window.__xss=1"> [x](javascript:window.__xss=2)');
    await box.press('Enter');
    const bad = msgWith(alice, '<img src=x');
    await bad.waitFor({ timeout: T });
    assert.equal(await bad.locator('.msg-body img, .msg-body a').count(), 0);
    assert.equal(await alice.page.evaluate(() => window.__xss), undefined);
    // The toolbar and Ctrl+B format the selection.
    await box.fill('make me bold');
    await box.evaluate((el) => el.setSelectionRange(8, 12));
    await box.press('Control+b');
    assert.equal(await box.inputValue(), 'make me **bold**');
    await box.fill('');
    await shot(alice, 'fmt-01-formatted-message.png', 'formatted-messages.png');
    // The sidebar's group headings fail contrast on main already (left to
    // the branch fixing axe findings on the main screens); everything else
    // on this screen, the toolbar and formatted messages included, passes.
    const a11y = (await a11yProblems(alice.page)).filter((p) => !/^serious color-contrast: .*section\[aria-label="Channels"\] > h3/.test(p));
    assert.deepEqual(a11y, [], 'axe-core on the chat with formatted messages');

    // "/" offers the assistant's commands, ":" emoji by shortcode.
    await box.pressSequentially('/su');
    await alice.page.getByTestId('suggest-slash').getByRole('option', { name: /summarize/ }).waitFor({ timeout: T });
    await box.press('Tab');
    assert.equal(await box.inputValue(), '/summarize ');
    await box.fill('');
    await box.pressSequentially('yay :tad');
    await alice.page.getByTestId('suggest-emoji').getByRole('option', { name: /tada/ }).waitFor({ timeout: T });
    await box.press('Enter');
    assert.equal(await box.inputValue(), 'yay 🎉 ');
    await box.fill('');

    // Reactions use the same picker: search, Enter.
    await m.hover();
    await m.getByRole('button', { name: 'Add reaction' }).click();
    await alice.page.getByRole('menuitem', { name: 'More emoji' }).click();
    await alice.page.getByRole('dialog', { name: 'Pick a reaction' }).getByLabel('Search emoji').fill('pizza');
    await alice.page.getByRole('dialog', { name: 'Pick a reaction' }).getByLabel('Search emoji').press('Enter');
    await m.locator('.reaction', { hasText: '🍕' }).waitFor({ timeout: T });
  });

  journey('notifies a hidden tab of a direct message and counts it in the title', async () => {
    await enter(bob, BOB);
    await bob.page.goto(chatUrl(general));
    await bob.page.getByRole('heading', { name: 'general' }).waitFor({ timeout: T });
    await bob.page.waitForFunction(() => !/^\(\d+\)/.test(document.title), null, { timeout: T });
    // The page is live once a message sent now shows in it.
    await api(srv.url, team.people[0].token, 'POST', `/api/chats/${general.id}/messages`, { content: 'anyone here?' });
    await bob.page.locator('.messages article.msg .msg-body', { hasText: 'anyone here?' }).waitFor({ timeout: T });
    await bob.page.evaluate(() => window.__setHidden(true));
    await api(srv.url, team.people[0].token, 'POST', `/api/chats/${dm.id}/messages`, { content: 'Lunch **today**? :pizza:' });
    const note = await bob.page.waitForFunction(() => window.__notes[0], null, { timeout: T });
    const { title, body } = await note.jsonValue();
    assert.equal(title, 'Alice Admin');
    assert.equal(body, 'Lunch today? 🍕');
    await bob.page.waitForFunction(() => document.title.startsWith('(1) '), null, { timeout: T });
    const icon = await bob.page.locator('link[rel="icon"]').getAttribute('href');
    assert.match(icon, /^data:image\/png;base64,/);
    await bob.page.evaluate(() => window.__setHidden(false));
    await shot(bob, 'fmt-02-notification-title-count.png', 'notification-unread-count.png');

    // A muted chat raises nothing.
    await api(srv.url, team.people[1].token, 'PUT', `/api/chats/${dm.id}/notifications`, { muted: true });
    await bob.page.reload();
    await bob.page.getByRole('heading', { name: 'general' }).waitFor({ timeout: T });
    // The reloaded page is live once a message sent now shows in it.
    await api(srv.url, team.people[0].token, 'POST', `/api/chats/${general.id}/messages`, { content: 'are you back?' });
    await bob.page.locator('.messages article.msg .msg-body', { hasText: 'are you back?' }).waitFor({ timeout: T });
    await bob.page.evaluate(() => window.__setHidden(true));
    await api(srv.url, team.people[0].token, 'POST', `/api/chats/${dm.id}/messages`, { content: 'muted one' });
    await api(srv.url, team.people[0].token, 'POST', `/api/chats/${general.id}/messages`, { content: `@${BOB.username} unmuted mention` });
    const second = await bob.page.waitForFunction(() => window.__notes[0], null, { timeout: T });
    assert.equal((await second.jsonValue()).body, '@bob unmuted mention');
    assert.equal(await bob.page.evaluate(() => window.__notes.length), 1);
    await bob.page.evaluate(() => window.__setHidden(false));
  });

  journey('keeps a draft across a reload and on the server', async () => {
    await alice.page.goto(chatUrl(general));
    const box = alice.page.getByTestId('composer');
    await box.click();
    await box.pressSequentially('an unfinished thought', { delay: 5 });
    // Wait until the draft reached the server (it is saved after a pause).
    for (let i = 0; ; i++) {
      const { drafts } = await api(srv.url, team.people[0].token, 'GET', '/api/me/drafts');
      if (drafts.some((d) => d.chat_id === general.id && d.text === 'an unfinished thought')) break;
      assert.ok(i < 200, 'draft never reached the server');
      await new Promise((r) => setTimeout(r, 100));
    }
    await alice.page.reload();
    await alice.page.getByTestId('composer').waitFor({ timeout: T });
    await alice.page.waitForFunction(() => document.querySelector('[data-testid="composer"]')?.value === 'an unfinished thought', null, { timeout: T });
    await shot(alice, 'fmt-03a-draft-restored.png', 'draft.png');
    // Another chat has its own (empty) draft.
    await alice.page.goto(chatUrl(dm));
    await alice.page.waitForFunction(() => document.querySelector('[data-testid="composer"]')?.value === '', null, { timeout: T });
    await shot(alice, 'fmt-03-draft-after-reload.png');
  });
});
