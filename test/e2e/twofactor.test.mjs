// Two-factor authentication in the browser: a person turns on an
// authenticator app in Settings (QR code, a code, recovery codes), signs
// out, and signs in again with a password and a code. The codes are made
// here as an authenticator app makes them (RFC 6238: HMAC-SHA1, 30 s, 6
// digits) from the secret the page shows.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { a11yProblems, person, seedTeam, signIn, startServer } from './harness.mjs';

/** base32Decode reads an RFC 4648 base32 secret. */
function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** totp is the code of secret at unix time t (seconds), RFC 6238. */
function totp(secret, t) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const n = (mac.readUInt32BE(off) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, '0');
}

describe('two-factor authentication', () => {
  let srv;
  let alice;
  const who = { email: 'alice@example.com', password: 'correct horse battery', username: 'alice', name: 'Alice' };
  let secret;

  before(async () => {
    srv = await startServer();
    await seedTeam(srv, { admin: who });
    alice = await person('alice');
  });
  after(async () => {
    await alice?.close();
    await srv?.stop();
  });

  it('enrols an authenticator app in Settings', async () => {
    const { page } = alice;
    await signIn(alice, srv.url, who);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor({ state: 'detached', timeout: 20_000 });
    await page.goto(`${srv.url}/settings`);
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await page.getByRole('img', { name: 'QR code of your two-factor secret' }).waitFor();
    secret = (await page.getByTestId('totp-secret').textContent()).trim();
    assert.match(secret, /^[A-Z2-7]+$/);
    await page.getByLabel('Code from the app').fill(totp(secret, Date.now() / 1000));
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
    await codes.first().waitFor();
    assert.equal(await codes.count(), 10);
    await alice.shot('twofactor-recovery-codes.png');
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByText('On. 10 recovery codes left.').waitFor();
  });

  it('signs out and signs in with a code', async () => {
    const { page } = alice;
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const codeField = page.getByLabel('Code from your authenticator app');
    await codeField.waitFor();
    assert.deepEqual(await a11yProblems(page), []);
    await alice.shot('twofactor-code-step.png');
    // A wrong code is refused with a message.
    await codeField.fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').waitFor();
    // The enrolment used this 30-second step; the next one is accepted.
    await codeField.fill(totp(secret, Date.now() / 1000 + 30));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('button', { name: 'Verify' }).waitFor({ state: 'detached', timeout: 20_000 });
    await page.goto(`${srv.url}/settings`);
    await page.getByText('On. 10 recovery codes left.').waitFor();
    assert.deepEqual(alice.problems.filter((p) => !/401|429/.test(p)), []);
  });
});
