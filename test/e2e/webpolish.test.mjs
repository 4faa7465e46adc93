// Journeys for the rest of issue 15: pins and saved messages in real
// time, slash-command integrations in the composer's "/" menu, and the
// phone layout at 390 px with touch (no desktop-only hints).
//   FECHATTER_BIN=... node --test --test-concurrency=1 webpolish.test.mjs
// DOCS_SCREENSHOTS=1 also saves docs/screenshots/pins-panel.png,
// channel-settings.png and mobile-search.png.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { a11yProblems, api, myChat, person, repo, seedTeam, signIn, startServer } from './harness.mjs';

const ANN = { name: 'Ann Lee', username: 'ann', email: 'ann@example.com', password: 'correct-horse-1' };
const BOB = { name: 'Bob Stone', username: 'bob', email: 'bob@example.com', password: 'battery-staple-2' };
const T = 20_000;

let srv;
let team;
let general;
const open = [];

async function shot(p, file, docsName) {
  await p.shot(file);
  if (process.env.DOCS_SCREENSHOTS === '1' && docsName) await p.page.screenshot({ path: join(repo, 'docs', 'screenshots', docsName) });
}

/** enter opens a browser for who, signs in and opens #general. */
async function enter(name, who, opts) {
  const p = await person(name, opts);
  open.push(p);
  await signIn(p, srv.url, who);
  await p.page.waitForURL((u) => !u.pathname.startsWith('/signin'), { timeout: T });
  await p.page.goto(`${srv.url}/w/${team.workspace.id}/c/${general.id}`);
  await p.page.getByRole('heading', { name: 'general', level: 1 }).waitFor({ timeout: T });
  return p;
}

const msg = (p, text) => p.page.locator('.messages article.msg', { hasText: text });

function journey(name, fn) {
  it(name, async () => {
    try {
      await fn();
      for (const p of open) assert.deepEqual(p.problems.filter((x) => x.startsWith('pageerror')), [], `uncaught errors in ${p.name}'s page`);
    } catch (e) {
      const slug = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40);
      for (const p of open) await p.shot(`FAILED-webpolish-${slug}-${p.name}.png`).catch(() => undefined);
      throw e;
    } finally {
      while (open.length) await open.pop().close();
    }
  });
}

before(async () => {
  srv = await startServer();
  team = await seedTeam(srv, { admin: ANN, members: [BOB] });
  general = await myChat(srv, team.people[0].token, team.workspace.id, 'general');
  const say = (who, content, extra = {}) => api(srv.url, team.people[who].token, 'POST', `/api/chats/${general.id}/messages`, { content, ...extra });
  await say(0, 'Welcome to **Acme**! Release notes live in the wiki.');
  const q = await say(1, 'Is the deploy window still Thursday 10:00?');
  await say(0, 'Yes, Thursday 10:00 UTC. I will post the checklist.', { reply_to: q.id });
  await say(1, 'Checklist for the quarterly review: update the dashboard, freeze merges, tag the release.');
});

after(async () => {
  while (open.length) await open.pop().close();
  await srv?.stop();
});

describe('pins, saved messages and slash commands', () => {
  journey('Ann pins a message and Bob sees it in his open pins panel without a reload', async () => {
    const ann = await enter('ann', ANN);
    const bob = await enter('bob', BOB);
    await bob.page.getByRole('button', { name: 'Pinned messages' }).click();
    const pins = bob.page.getByTestId('pins-panel');
    await pins.getByText('Nothing is pinned here yet').waitFor({ timeout: T });

    const target = msg(ann, 'Checklist for the quarterly review');
    await target.hover();
    await target.getByRole('button', { name: 'Pin message' }).click();
    // Bob did nothing: the pin arrives over his event stream.
    await pins.getByText('Checklist for the quarterly review').waitFor({ timeout: T });
    await msg(bob, 'Checklist for the quarterly review').locator('.pin-badge').waitFor({ timeout: T });
    await target.locator('.pin-badge').waitFor({ timeout: T });
    await bob.page.mouse.move(0, 0);
    await shot(bob, 'webpolish-01-pins-live.png', 'pins-panel.png');
    const a11y = await a11yProblems(bob.page);
    assert.deepEqual(a11y, [], 'axe-core on the chat with the pins panel open');

    // Ann unpins from her message: Bob's panel and badge follow.
    await target.hover();
    await target.getByRole('button', { name: 'Unpin message' }).click();
    await pins.getByText('Nothing is pinned here yet').waitFor({ timeout: T });
    await msg(bob, 'Checklist for the quarterly review').locator('.pin-badge').waitFor({ state: 'detached', timeout: T });
  });

  journey("saving a message shows in the person's other tab", async () => {
    const tab1 = await enter('ann', ANN);
    const tab2page = await tab1.context.newPage();
    await tab2page.goto(`${srv.url}/w/${team.workspace.id}/c/${general.id}`);
    await tab2page.getByRole('button', { name: '🔖 Saved' }).click();
    const saved = tab2page.getByTestId('saved-panel');
    await saved.getByText('You have not saved any message yet').waitFor({ timeout: T });
    const m = msg(tab1, 'deploy window still Thursday');
    await m.hover();
    await m.getByRole('button', { name: 'Save message' }).click();
    await saved.getByText('deploy window still Thursday').waitFor({ timeout: T });
    // Bob, in the same chat, hears nothing of Ann's bookmark (the server
    // sends saved.* only to her streams; internal/realtime tests that).
    await m.hover();
    await m.getByRole('button', { name: 'Remove from saved messages' }).click();
    await saved.getByText('You have not saved any message yet').waitFor({ timeout: T });
  });

  journey('a slash-command integration is offered in the composer', async () => {
    const ws = team.workspace.id;
    await api(srv.url, team.people[0].token, 'POST', `/api/workspaces/${ws}/slash-commands`, {
      name: 'deploy', description: 'Deploy a branch to staging', url: 'https://ci.example.com/hooks/deploy',
    });
    const bob = await enter('bob', BOB);
    const box = bob.page.getByTestId('composer');
    await box.click();
    await box.pressSequentially('/dep');
    const option = bob.page.getByRole('option', { name: /\/deploy/ });
    await option.waitFor({ timeout: T });
    assert.match(await option.textContent(), /Deploy a branch to staging — \/deploy \[text\]/);
    assert.doesNotMatch(await option.textContent(), /example\.com/);
    await box.fill('');
  });

  journey('channel settings', async () => {
    const ann = await enter('ann', ANN);
    await ann.page.getByRole('button', { name: 'Chat settings' }).click();
    await ann.page.getByRole('complementary', { name: /settings/i }).waitFor({ timeout: T });
    await ann.page.mouse.move(0, 0);
    await shot(ann, 'webpolish-02-channel-settings.png', 'channel-settings.png');
  });
});

describe('phone layout at 390 px with touch', () => {
  const phone = { viewport: { width: 390, height: 844 }, isMobile: true };

  journey('search is usable, and no desktop-only hints show', async () => {
    const bob = await enter('bob-phone', BOB, phone);
    const page = bob.page;
    assert.equal(await page.evaluate(() => matchMedia('(hover: none) and (pointer: coarse)').matches), true);

    // No keyboard hints on a touch screen.
    const composer = page.getByTestId('composer');
    assert.equal(await composer.getAttribute('aria-keyshortcuts'), null);
    assert.equal(await page.getByText('Enter sends, Shift+Enter adds a new line.').count(), 0);
    assert.equal(await page.getByRole('button', { name: /Ctrl|⌘/ }).count(), 0);
    assert.equal(await page.locator('[title*="Ctrl"], [title*="⌘"]').count(), 0);
    assert.equal(await page.getByText('Ctrl K').isVisible(), false);

    // The composer: Enter makes a new line, Send sends.
    await composer.click();
    await composer.pressSequentially('first line');
    await composer.press('Enter');
    await composer.pressSequentially('second line');
    assert.equal(await composer.inputValue(), 'first line\nsecond line');
    await page.getByRole('button', { name: 'Send' }).click();
    await msg(bob, 'second line').waitFor({ timeout: T });

    // Search: the field lies wholly inside the viewport, wide enough to
    // read, and typing shows readable results.
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const box = page.getByRole('searchbox', { name: 'Search messages' });
    await box.waitFor({ timeout: T });
    const r = await box.boundingBox();
    assert.ok(r.x >= 0 && r.y >= 0 && r.x + r.width <= 390 && r.y + r.height <= 844, `search field at ${JSON.stringify(r)}`);
    assert.ok(r.width >= 200, `search field only ${r.width}px wide`);
    let hit;
    for (let i = 0; i < 20 && !hit; i++) {
      await box.fill('');
      await box.pressSequentially('quarterly', { delay: 15 });
      try {
        // The hits (the sort order's <select> has options of its own).
        await page.locator('#hit-0').waitFor({ timeout: 1500 });
        hit = page.locator('#hit-0');
      } catch {
        // the indexer has not caught up yet
      }
    }
    assert.ok(hit, 'no search results');
    const h = await hit.boundingBox();
    assert.ok(h.x >= 0 && h.x + h.width <= 390, `result at ${JSON.stringify(h)}`);
    assert.match(await hit.textContent(), /quarterly review/);
    await shot(bob, 'webpolish-03-phone-search.png', 'mobile-search.png');
    const a11y = await a11yProblems(page);
    assert.deepEqual(a11y, [], 'axe-core on search at 390 px');
    await page.getByRole('button', { name: 'Close search' }).click();
  });

  journey('sidebar toggle, thread panel and composer work on a phone', async () => {
    const ann = await enter('ann-phone', ANN, phone);
    const page = ann.page;
    await page.getByRole('button', { name: 'Open the chat list' }).click();
    const nav = page.getByRole('navigation', { name: 'Chats in this workspace' });
    await nav.waitFor({ timeout: T });
    await nav.getByRole('link', { name: /random/ }).click();
    await page.getByRole('heading', { name: 'random', level: 1 }).waitFor({ timeout: T });
    await page.getByRole('button', { name: 'Open the chat list' }).click();
    await nav.getByRole('link', { name: /general/ }).click();
    await page.getByRole('heading', { name: 'general', level: 1 }).waitFor({ timeout: T });

    await msg(ann, 'deploy window still Thursday').getByRole('button', { name: /1 reply/ }).click();
    const thread = page.getByRole('complementary', { name: 'Thread' });
    await thread.getByText('I will post the checklist').waitFor({ timeout: T });
    const reply = page.getByTestId('thread-composer');
    const b = await reply.boundingBox();
    assert.ok(b.x >= 0 && b.x + b.width <= 390 && b.y + b.height <= 844, `thread composer at ${JSON.stringify(b)}`);
    await reply.click();
    await reply.pressSequentially('Checklist posted.');
    await thread.getByRole('button', { name: 'Send' }).click();
    await thread.getByText('Checklist posted.').waitFor({ timeout: T });
    await shot(ann, 'webpolish-04-phone-thread.png');
  });
});
