// Password recovery in the browser, on a server without SMTP: "Forgot
// password?" says to ask an administrator, the administrator's reset link
// opens the reset page, the new password signs in and the old one does
// not. (Mail delivery itself is tested in Go against a real SMTP server.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { a11yProblems, api, person, seedTeam, signIn, startServer } from './harness.mjs';

const ADMIN = { name: 'Alice Admin', username: 'alice', email: 'alice@example.com', password: 'correct-horse-1' };
const BOB = { name: 'Bob Builder', username: 'bob', email: 'bob@example.com', password: 'battery-staple-2' };
const NEW_PW = 'a fresh passphrase 3';
const T = 20_000;

describe('password recovery', () => {
  let srv;
  let bob;
  let team;
  before(async () => {
    srv = await startServer();
    team = await seedTeam(srv, { admin: ADMIN, members: [BOB] });
    bob = await person('bob');
  });
  after(async () => {
    await bob?.close();
    await srv?.stop();
  });

  it('forgot password without SMTP points to an administrator', async () => {
    const { page } = bob;
    await page.goto(`${srv.url}/signin`);
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.getByText('Ask an instance administrator for a password-reset link').waitFor({ timeout: T });
    assert.deepEqual(await a11yProblems(page), []);
    await bob.shot('forgot-password-no-smtp.png');
  });

  it("an administrator's reset link sets a new password once", async () => {
    const [admin, member] = team.people;
    const link = await api(srv.url, admin.token, 'POST', `/api/admin/users/${member.user.id}/reset-link`);
    assert.match(link.url, /\/reset-password\?token=/);
    const { page } = bob;
    await page.goto(link.url);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor({ timeout: T });
    assert.deepEqual(await a11yProblems(page), []);
    await page.getByLabel('New password').fill(NEW_PW);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByText('every session of your account has ended').waitFor({ timeout: T });
    await bob.shot('password-reset-done.png');
    // The link is spent.
    await page.goto(link.url);
    await page.getByLabel('New password').fill('yet another passphrase');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByText('This link is invalid, already used or expired').waitFor({ timeout: T });
    await signIn(bob, srv.url, { ...BOB, password: NEW_PW });
    await assert.rejects(api(srv.url, null, 'POST', '/api/auth/signin', { email: BOB.email, password: BOB.password }), /401/);
    assert.deepEqual(bob.problems.filter((p) => p.startsWith('pageerror')), []);
  });
});
