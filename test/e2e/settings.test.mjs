// Browser journeys for channel settings, onboarding and pins (issue 15),
// against the built binary with a server of their own (see run.sh). They
// start from a team seeded over the API and continue one from another.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { a11yProblems, api, person, seedTeam, signIn, startServer, journeyRunner } from './harness.mjs';

const ALICE = { name: 'Alice Admin', username: 'alice', email: 'alice@example.com', password: 'correct-horse-1' };
const BOB = { name: 'Bob Builder', username: 'bob', email: 'bob@example.com', password: 'battery-staple-2' };
const T = 20_000;

let srv;
let alice;
let bob;
let team;

const chatLink = (p, name) => p.page.getByRole('navigation', { name: 'Chats in this workspace' }).getByRole('link', { name: new RegExp(`^${name}`) });

async function openChat(p, name) {
  await chatLink(p, name).click();
  await p.page.getByRole('heading', { name, level: 1 }).waitFor({ timeout: T });
}

const journey = journeyRunner('settings-', () => [alice, bob]);

before(async () => {
  srv = await startServer();
  team = await seedTeam(srv, { admin: ALICE, members: [BOB] });
  alice = await person('alice');
  bob = await person('bob');
});

after(async () => {
  await alice?.close();
  await bob?.close();
  await srv?.stop();
});

describe('channel settings, onboarding and pins', () => {
  journey('a new member lands in #general and #random', async () => {
    await signIn(bob, srv.url, BOB);
    await chatLink(bob, 'general').waitFor({ timeout: T });
    await chatLink(bob, 'random').waitFor({ timeout: T });
    await openChat(bob, 'general');
    await bob.page.getByRole('button', { name: 'Members, 2' }).waitFor({ timeout: T });
    await bob.shot('settings-01-general.png');
  });

  journey('a channel admin renames a channel and archives it', async () => {
    const [a] = team.people;
    await api(srv.url, a.token, 'POST', `/api/workspaces/${team.workspace.id}/chats`, { type: 'public_channel', name: 'design', topic: 'Pixels' });
    await signIn(alice, srv.url, ALICE);
    const p = alice.page;
    await openChat(alice, 'design');
    await p.getByRole('button', { name: 'Chat settings' }).click();
    const panel = p.getByRole('complementary', { name: 'Channel settings' });
    await panel.getByTestId('settings-name').fill('design-team');
    await panel.getByTestId('settings-description').fill('Where the screens are drawn.');
    await panel.getByRole('button', { name: 'Save' }).click();
    await p.getByRole('heading', { name: 'design-team', level: 1 }).waitFor({ timeout: T });
    await alice.shot('settings-02-rename.png');

    await panel.getByRole('button', { name: 'Archive channel' }).click();
    await p.getByTestId('archived-note').waitFor({ timeout: T });
    assert.equal(await p.getByTestId('composer').count(), 0, 'an archived channel has no composer');
    await alice.shot('settings-03-archived.png');
    // Bob cannot find it in the channel browser any more.
    const { chats } = await api(srv.url, team.people[1].token, 'GET', `/api/workspaces/${team.workspace.id}/channels`);
    assert.equal(chats.some((c) => c.name === 'design-team'), false);

    await panel.getByRole('button', { name: 'Unarchive channel' }).click();
    await p.getByTestId('composer').waitFor({ timeout: T });
  });

  journey('a member pins a message and finds it in the pins panel', async () => {
    const p = alice.page;
    const general = (await api(srv.url, team.people[0].token, 'GET', `/api/workspaces/${team.workspace.id}/chats`)).chats.find((c) => c.name === 'general');
    await api(srv.url, team.people[1].token, 'POST', `/api/chats/${general.id}/messages`, { content: 'Release on Friday' });
    await openChat(alice, 'general');
    // Bob joined after the channel was made: the timeline says so.
    await p.getByTestId('joined-line').filter({ hasText: 'Bob Builder joined' }).waitFor({ timeout: T });
    const msg = p.locator('.messages article.msg', { hasText: 'Release on Friday' });
    await msg.hover();
    await msg.getByRole('button', { name: 'Pin message' }).click();
    const pinsBtn = p.getByRole('button', { name: 'Pinned messages' });
    if ((await pinsBtn.getAttribute('aria-pressed')) !== 'true') await pinsBtn.click();
    const pins = p.getByTestId('pins-panel');
    await pins.getByText('Release on Friday').waitFor({ timeout: T });
    await alice.shot('settings-04-pins.png');
    const list = await api(srv.url, team.people[1].token, 'GET', `/api/chats/${general.id}/pins`);
    assert.equal(list.messages.length, 1);
  });

  journey('axe-core finds no serious or critical problems on the main screens', async () => {
    const p = alice.page;
    const found = [];
    await openChat(alice, 'general');
    found.push(...(await a11yProblems(p)).map((x) => `chat: ${x}`));
    const gear = p.getByRole('button', { name: 'Chat settings' });
    if ((await gear.getAttribute('aria-pressed')) !== 'true') await gear.click();
    await p.getByRole('complementary', { name: 'Channel settings' }).waitFor({ timeout: T });
    found.push(...(await a11yProblems(p)).map((x) => `settings: ${x}`));
    await p.getByRole('button', { name: 'Saved' }).click();
    await p.getByTestId('saved-panel').waitFor({ timeout: T });
    found.push(...(await a11yProblems(p)).map((x) => `saved: ${x}`));
    await p.getByRole('link', { name: 'Browse channels' }).click();
    await p.getByRole('heading', { name: 'Browse channels' }).waitFor({ timeout: T });
    found.push(...(await a11yProblems(p)).map((x) => `browse: ${x}`));
    assert.deepEqual(found, []);
  });

  journey('the instance administrator makes Bob an administrator from the users list', async () => {
    const p = alice.page;
    await p.getByRole('button', { name: 'System health' }).click();
    const users = p.getByTestId('instance-users');
    const row = users.locator('li', { hasText: '@bob' });
    await row.getByRole('button', { name: 'Make admin' }).click();
    await row.getByText('instance admin').waitFor({ timeout: T });
    await alice.shot('settings-05-instance-users.png');
    const list = await api(srv.url, team.people[0].token, 'GET', '/api/admin/users');
    assert.equal(list.users.find((u) => u.username === 'bob').is_admin, true);
  });

  journey('the instance administrator issues a password reset link for Bob', async () => {
    const p = alice.page;
    const row = p.getByTestId('instance-users').locator('li', { hasText: '@bob' });
    await row.getByRole('button', { name: 'Reset link' }).click();
    const link = (await p.getByTestId('reset-link').textContent({ timeout: T }))?.trim() ?? '';
    assert.match(link, /\/reset-password\?token=/);
    // The link works once: Bob sets a new password with it and signs in.
    const token = new URL(link).searchParams.get('token');
    await api(srv.url, null, 'POST', '/api/auth/password-reset/confirm', { token, password: 'a-brand-new-pass-3' });
    await api(srv.url, null, 'POST', '/api/auth/signin', { email: team.people[1].email, password: 'a-brand-new-pass-3' });
    await assert.rejects(api(srv.url, null, 'POST', '/api/auth/password-reset/confirm', { token, password: 'another-pass-4' }));
  });
});
