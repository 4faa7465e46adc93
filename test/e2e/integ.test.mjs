// Integrations journey: a workspace admin opens Integrations from the
// workspace administration page, creates a bot (its token shown once and
// working), an incoming webhook whose URL posts into a channel, and sees
// the post arrive in the open chat.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { a11yProblems, api, person, seedTeam, signIn, startServer, myChat } from './harness.mjs';

const ann = { email: 'ann@example.com', password: 'correct horse battery', username: 'ann', name: 'Ann' };
let srv;
let team;
let general;

before(async () => {
  srv = await startServer();
  team = await seedTeam(srv, { admin: ann });
  general = await myChat(srv, team.people[0].token, team.workspace.id, 'general');
});

after(async () => {
  await srv?.stop();
});

test('admin manages bots and an incoming webhook from the web app', async () => {
  const p = await person('ann');
  try {
    await signIn(p, srv.url, ann);
    // signIn can return while the form's own heading is still shown.
    await p.page.waitForURL((u) => !u.pathname.startsWith('/signin'), { timeout: 30_000 });
    const ws = team.workspace.id;
    await p.page.goto(`${srv.url}/w/${ws}/admin`);
    await p.page.getByRole('heading', { name: /administration/ }).waitFor();
    await p.page.getByRole('link', { name: /Integrations/ }).click();
    await p.page.getByRole('heading', { name: 'Bot accounts' }).waitFor();

    // A bot: its token is shown once and works as a bearer token.
    await p.page.getByLabel('Username').fill('ci-bot');
    await p.page.getByLabel('Display name').fill('CI');
    await p.page.getByRole('button', { name: 'Create bot' }).click();
    const token = (await p.page.getByLabel('API token of @ci-bot').textContent()).trim();
    assert.match(token, /^fcb_/);
    const me = await api(srv.url, token, 'GET', '/api/me');
    assert.equal(me.username, 'ci-bot');

    // An incoming webhook into #general; its URL posts there.
    const card = p.page.locator('.card', { has: p.page.getByRole('heading', { name: 'Incoming webhooks' }) });
    await card.getByLabel('Name').fill('alerts');
    await card.getByLabel('general').check();
    await card.getByRole('button', { name: 'Add' }).click();
    const url = (await card.getByLabel('Webhook URL').textContent()).trim();
    assert.ok(url.startsWith(`${srv.url}/hooks/`), url);
    // The sidebar's own contrast findings belong to its owner; this page's must be none.
    const problems = (await a11yProblems(p.page)).filter((l) => !/aria-label="(Channels|Groups|Direct messages)"/.test(l));
    assert.deepEqual(problems, []);

    await p.page.goto(`${srv.url}/w/${ws}/c/${general.id}`);
    await api(srv.url, null, 'POST', url.slice(srv.url.length), { text: 'Disk on db1 is **93%** full', username: 'monitoring' });
    await p.page.getByText('Disk on db1 is').waitFor({ timeout: 20_000 });
    assert.deepEqual(p.problems, []);
  } finally {
    await p.close();
  }
});
