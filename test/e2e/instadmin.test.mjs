// Browser journeys for instance administration (issue 15): the instance
// settings card (who may create workspaces, whether members see each
// other's email) and ending a user's sessions, against the built binary
// with a server of its own (see run.sh). Journeys continue one from
// another. DOCS_SCREENSHOTS=1 also saves docs/screenshots/instance-settings.png.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { a11yProblems, api, person, repo, seedTeam, startServer, journeyRunner } from './harness.mjs';

const ALICE = { name: 'Alice Admin', username: 'alice', email: 'alice@example.com', password: 'correct-horse-1' };
const BOB = { name: 'Bob Builder', username: 'bob', email: 'bob@example.com', password: 'battery-staple-2' };
const T = 20_000;

let srv;
let alice;
let bob;
let team;

const journey = journeyRunner('instadmin-', () => [alice, bob]);

/** signIn signs who in through the form, like the harness's, but waits
 * for the sign-in screen to settle first (on a loaded machine the form can
 * be drawn again after the boot's requests, losing what was typed) and
 * then for the app to leave /signin. */
async function signIn(p, base, who) {
  await p.page.goto(`${base}/signin`);
  await p.page.waitForLoadState('networkidle');
  await p.page.getByLabel('Email').fill(who.email);
  await p.page.getByLabel('Password').fill(who.password);
  await p.page.getByRole('button', { name: 'Sign in' }).click();
  await p.page.waitForURL((u) => !u.pathname.startsWith('/signin'), { timeout: T });
}

/** settingsCard opens the instance administrator's page and returns the card. */
async function settingsCard() {
  await alice.page.goto(`${srv.url}/admin/health`);
  const card = alice.page.getByTestId('instance-settings');
  await card.getByLabel('Who may create workspaces').waitFor({ timeout: T });
  return card;
}

/** bobsMembers opens the workspace's member list as Bob (a workspace
 * admin, not an instance administrator) and returns its text. */
async function bobsMembers() {
  await bob.page.goto(`${srv.url}/w/${team.workspace.id}/admin`);
  const list = bob.page.getByRole('heading', { name: /^Members \(/ }).locator('..');
  await list.getByText('(you)').waitFor({ timeout: T });
  return list.innerText();
}

before(async () => {
  srv = await startServer();
  team = await seedTeam(srv, { admin: ALICE, members: [BOB] });
  const [a, b] = team.people;
  await api(srv.url, a.token, 'PATCH', `/api/workspaces/${team.workspace.id}/members/${b.user.id}`, { role: 'admin' });
  alice = await person('alice');
  bob = await person('bob');
});

after(async () => {
  await alice?.close();
  await bob?.close();
  await srv?.stop();
});

describe('instance administration', () => {
  journey('the admin makes workspace creation admins-only; a member cannot create one', async () => {
    await signIn(alice, srv.url, ALICE);
    const card = await settingsCard();
    assert.deepEqual(await a11yProblems(alice.page), [], 'axe on the instance settings');
    await card.getByLabel('Who may create workspaces').selectOption('admins');
    await card.getByRole('status').filter({ hasText: 'Saved: who may create workspaces.' }).waitFor({ timeout: T });
    await alice.shot('instadmin-01-settings.png');
    await card.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    if (process.env.DOCS_SCREENSHOTS === '1') await alice.page.screenshot({ path: join(repo, 'docs', 'screenshots', 'instance-settings.png') });

    await signIn(bob, srv.url, BOB);
    await bob.page.getByRole('navigation', { name: 'Workspaces' }).waitFor({ timeout: T });
    await bob.page.getByRole('button', { name: 'Create a workspace' }).waitFor({ state: 'detached', timeout: T });
    const [, b] = team.people;
    await assert.rejects(api(srv.url, b.token, 'POST', '/api/workspaces', { name: 'Side project' }),
      /403 .*only instance administrators may create workspaces/);
    await alice.page.getByRole('button', { name: 'Create a workspace' }).waitFor({ timeout: T });
  });

  journey('the admin shows and hides member emails; the member list follows', async () => {
    let text = await bobsMembers();
    assert.ok(text.includes(BOB.email), 'Bob sees his own address');
    assert.ok(!text.includes(ALICE.email), 'emails are hidden by default');
    assert.ok(!text.includes('undefined'), 'no "undefined" where an address was');

    const card = await settingsCard();
    await card.getByLabel("Members see each other's email addresses").check();
    await card.getByRole('status').filter({ hasText: 'members see email addresses' }).waitFor({ timeout: T });
    text = await bobsMembers();
    assert.ok(text.includes(ALICE.email), 'with the setting on, Bob sees Alice’s address');
    await bob.shot('instadmin-02-emails-shown.png');

    await card.getByLabel("Members see each other's email addresses").uncheck();
    await card.getByRole('status').filter({ hasText: 'email addresses hidden' }).waitFor({ timeout: T });
    text = await bobsMembers();
    assert.ok(!text.includes(ALICE.email), 'with the setting off again, the address is gone');
  });

  journey("the admin ends a member's sessions; the member's open tab is signed out", async () => {
    await bob.page.goto(`${srv.url}/w/${team.workspace.id}`);
    await bob.page.getByRole('navigation', { name: 'Workspaces' }).waitFor({ timeout: T });
    await settingsCard();
    const users = alice.page.getByTestId('instance-users');
    await users.getByRole('button', { name: `End sessions of ${BOB.name}` }).click();
    await users.getByRole('status').filter({ hasText: `${BOB.name} is signed out everywhere.` }).waitFor({ timeout: T });
    await bob.page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: T });
    await bob.shot('instadmin-03-signed-out.png');
    const [, b] = team.people;
    await assert.rejects(api(srv.url, b.token, 'GET', '/api/me'), /401/);
    const audit = await api(srv.url, team.people[0].token, 'GET', '/api/admin/audit');
    assert.deepEqual(audit.entries.slice(0, 3).map((e) => e.action),
      ['user.sessions_revoke', 'instance.settings', 'instance.settings']);
  });
});
