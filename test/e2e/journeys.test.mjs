// Browser journeys against the built binary (see run.sh). Each journey
// continues from the one before, like a team's first day, and saves a
// screenshot under test-artifacts/screenshots/.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiSession, person, startServer, journeyRunner } from './harness.mjs';

const ALICE = { name: 'Alice Admin', username: 'alice', email: 'alice@example.com', password: 'correct-horse-1' };
const BOB = { name: 'Bob Builder', username: 'bob', email: 'bob@example.com', password: 'battery-staple-2' };
const T = 20_000;

let srv;
let alice;
let bob;

/** msgs locates the messages of the main timeline with exactly this text. */
const timelineMsg = (p, text) => p.page.locator('.messages article.msg', { has: p.page.locator('.msg-body', { hasText: text }) });

async function send(p, text, testid = 'composer') {
  const box = p.page.getByTestId(testid);
  await box.click();
  await box.fill(text);
  await box.press('Enter');
}

async function signUpFields(page, who) {
  await page.getByLabel('Your name').fill(who.name);
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
}

const journey = journeyRunner('', () => [alice, bob]);

before(async () => {
  srv = await startServer();
  alice = await person('alice');
  bob = await person('bob');
});

after(async () => {
  const problems = [...(alice?.problems ?? []), ...(bob?.problems ?? [])];
  await alice?.close();
  await bob?.close();
  await srv?.stop();
  if (problems.length) console.log(`# browser console problems:\n# ${problems.join('\n# ')}`);
});

describe('fechatter in the browser', () => {
  journey('first-run setup creates the admin and the first workspace', async () => {
    const { page } = alice;
    // Without the setup token (whoever reaches the port first) setup is refused.
    await page.goto(srv.url);
    await page.getByRole('heading', { name: 'Set up Fechatter' }).waitFor({ timeout: T });
    await signUpFields(page, ALICE);
    await page.getByLabel('Workspace name').fill('Acme');
    await page.getByRole('button', { name: 'Create account and workspace' }).click();
    await page.getByRole('alert').filter({ hasText: 'setup_token' }).waitFor({ timeout: T });
    // The link the server printed carries the token into the form.
    await page.goto(srv.setupLink());
    await page.getByRole('heading', { name: 'Set up Fechatter' }).waitFor({ timeout: T });
    assert.equal(await page.getByLabel('Setup token').inputValue(), srv.setupToken());
    // A short password is refused with the server's words, next to the field.
    await signUpFields(page, { ...ALICE, password: 'short' });
    await page.getByLabel('Workspace name').fill('Acme');
    await page.getByRole('button', { name: 'Create account and workspace' }).click();
    await page.locator('.field-error').first().waitFor({ timeout: T });
    await page.getByLabel('Password').fill(ALICE.password);
    await page.getByRole('button', { name: 'Create account and workspace' }).click();
    // A new workspace opens on its #general.
    await page.getByRole('heading', { name: 'general', level: 1 }).waitFor({ timeout: T });
    // Create the first channel of our own.
    await page.getByRole('button', { name: 'New channel', exact: true }).click();
    await page.getByLabel('Channel name').fill('lobby');
    await page.getByLabel('Topic (optional)').fill('Everything and nothing');
    await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'lobby', level: 1 }).waitFor({ timeout: T });
    await alice.shot('01-setup-done.png');
  });

  journey('a second person joins by invite link and both chat live, with typing', async () => {
    const a = alice.page;
    await a.getByRole('button', { name: 'Workspace administration' }).click();
    await a.getByRole('button', { name: 'Create invite link' }).click();
    const link = (await a.getByTestId('invite-link').textContent({ timeout: T }))?.trim();
    assert.match(link ?? '', /\/invite\//);

    const b = bob.page;
    await b.goto(link);
    await b.getByRole('heading', { name: 'Join Acme' }).waitFor({ timeout: T });
    await signUpFields(b, BOB);
    await b.getByRole('button', { name: 'Create account and join' }).click();
    await b.getByRole('heading', { name: /Start a conversation|lobby|general/ }).first().waitFor({ timeout: T });
    await b.getByRole('link', { name: 'Browse channels' }).click();
    await b.getByRole('button', { name: 'Join' }).click();
    await b.getByRole('heading', { name: 'lobby', level: 1 }).waitFor({ timeout: T });

    await a.getByRole('link', { name: /^lobby/ }).click();
    await a.getByRole('heading', { name: 'lobby', level: 1 }).waitFor({ timeout: T });

    // Bob types: Alice sees it.
    await b.getByTestId('composer').click();
    await b.getByTestId('composer').pressSequentially('Hello every', { delay: 30 });
    await a.getByText('Bob Builder is typing…').waitFor({ timeout: T });
    await alice.shot('02-typing.png');
    await b.getByTestId('composer').pressSequentially('one!', { delay: 10 });
    await b.getByTestId('composer').press('Enter');
    await timelineMsg(alice, 'Hello everyone!').waitFor({ timeout: T });
    await a.getByText('Bob Builder is typing…').waitFor({ state: 'detached', timeout: T });

    // Shift+Enter makes a new line; Enter sends. Mention autocomplete.
    const box = a.getByTestId('composer');
    await box.click();
    await box.pressSequentially('Welcome @bo');
    await a.getByRole('option', { name: /Bob Builder/ }).waitFor({ timeout: T });
    await box.press('Enter'); // picks the suggestion
    await box.pressSequentially('glad you are here');
    await box.press('Shift+Enter');
    await box.pressSequentially('second line');
    await box.press('Enter');
    await timelineMsg(bob, 'glad you are here').waitFor({ timeout: T });
    const text = await timelineMsg(bob, 'glad you are here').locator('.msg-body').innerText();
    assert.equal(text, 'Welcome @bob glad you are here\nsecond line');
    await timelineMsg(bob, 'glad you are here').locator('.mention').waitFor();
    await bob.shot('03-live-messages.png');
  });

  journey('a thread reply and a reaction reach the other person live', async () => {
    const a = alice.page;
    const b = bob.page;
    const root = timelineMsg(alice, 'Hello everyone!');
    await root.hover();
    await root.getByRole('button', { name: 'Reply in thread' }).click();
    await a.getByRole('complementary', { name: 'Thread' }).waitFor({ timeout: T });
    await send(alice, 'Replying in a thread', 'thread-composer');
    await a.getByRole('complementary', { name: 'Thread' }).getByText('Replying in a thread').waitFor({ timeout: T });

    const bRoot = timelineMsg(bob, 'Hello everyone!');
    await bRoot.getByRole('button', { name: '1 reply' }).waitFor({ timeout: T });
    await bRoot.getByRole('button', { name: '1 reply' }).click();
    await b.getByRole('complementary', { name: 'Thread' }).getByText('Replying in a thread').waitFor({ timeout: T });
    // The reply is in the thread, not the main timeline.
    assert.equal(await timelineMsg(bob, 'Replying in a thread').count(), 0);

    const target = timelineMsg(bob, 'glad you are here');
    await target.hover();
    await target.getByRole('button', { name: 'Add reaction' }).click();
    await b.getByRole('menuitem', { name: 'React with 👍' }).click();
    await target.getByRole('button', { name: /👍 1, including you/ }).waitFor({ timeout: T });
    await timelineMsg(alice, 'glad you are here').getByRole('button', { name: /^👍 1$/ }).waitFor({ timeout: T });
    await bob.shot('04-thread-and-reaction.png');
    await alice.shot('04-reaction-seen.png');
  });

  journey('search finds a message despite a typo and jumps to it', async (t) => {
    const doc = await fetch(`${srv.api}/api/openapi.json`).then((r) => r.json());
    if (!doc.paths['/api/workspaces/{ws}/search']) {
      t.skip('the server does not serve GET /api/workspaces/{ws}/search yet');
      return;
    }
    await send(alice, 'The quarterly budget report is ready for review');
    await timelineMsg(bob, 'quarterly budget').waitFor({ timeout: T });
    const b = bob.page;
    await b.keyboard.press('Control+k');
    const q = b.getByRole('searchbox', { name: 'Search messages' });
    await q.waitFor({ timeout: T });
    // Indexing is asynchronous: retype until the hit shows up.
    const hit = b.getByRole('option').filter({ hasText: 'budget' }).first();
    const deadline = Date.now() + T;
    for (;;) {
      await q.fill('');
      await q.pressSequentially('quartrly budgte', { delay: 20 });
      try {
        await hit.waitFor({ timeout: 2000 });
        break;
      } catch (e) {
        if (Date.now() > deadline) throw e;
      }
    }
    assert.ok((await hit.locator('mark').count()) > 0, 'the hit has highlighted words');
    // A facet narrows the results: filter by sender.
    await b.getByRole('group', { name: 'From' }).getByRole('button', { name: /Alice Admin/ }).click();
    await b.getByRole('group', { name: 'From' }).getByRole('button', { name: /Alice Admin/, pressed: true }).waitFor({ timeout: T });
    await hit.waitFor({ timeout: T });
    await bob.shot('05-search.png');
    await q.press('Enter');
    await b.getByRole('dialog').waitFor({ state: 'detached', timeout: T });
    await timelineMsg(bob, 'quarterly budget').waitFor({ timeout: T });
    // The message is shown in context, highlighted and focused.
    await b.locator('.messages article.msg.highlight', { hasText: 'quarterly budget' }).waitFor({ timeout: T });
    await b.waitForFunction(() => document.activeElement?.closest('article.msg')?.textContent?.includes('quarterly budget'), null, { timeout: T });
    await bob.shot('05-search-jump.png');
  });

  journey('messages written offline are sent once each when the network returns', async () => {
    const b = bob.page;
    await bob.context.setOffline(true);
    await b.getByText("You're offline", { exact: false }).first().waitFor({ timeout: T });
    await send(bob, 'Offline message one');
    await send(bob, 'Offline message two');
    await b.locator('article.msg.pending').filter({ hasText: 'Offline message two' }).waitFor({ timeout: T });
    assert.equal(await b.locator('article.msg.pending').count(), 2);
    await bob.shot('06-offline-pending.png');
    await bobContextOnline();
    await b.locator('article.msg.pending').first().waitFor({ state: 'detached', timeout: T });
    await timelineMsg(alice, 'Offline message two').waitFor({ timeout: T });
    assert.equal(await timelineMsg(alice, 'Offline message one').count(), 1);
    assert.equal(await timelineMsg(alice, 'Offline message two').count(), 1);
    assert.equal(await timelineMsg(bob, 'Offline message one').count(), 1);
    // The server agrees: exactly one of each, in the order written.
    const get = await apiSession(srv.api, ALICE.email, ALICE.password);
    const { workspaces } = await get('/api/workspaces');
    const { chats } = await get(`/api/workspaces/${workspaces[0].id}/chats`);
    const general = chats.find((c) => c.name === 'lobby');
    const { messages } = await get(`/api/chats/${general.id}/messages?limit=200`);
    const offline = messages.filter((m) => m.content.startsWith('Offline message'));
    assert.deepEqual(offline.map((m) => m.content), ['Offline message one', 'Offline message two']);
    await alice.shot('06-offline-delivered.png');
  });

  journey('the app opens offline from the service worker with recent history', async () => {
    const b = bob.page;
    // The worker controls the page once installed; wait for it.
    await b.waitForFunction(() => navigator.serviceWorker?.controller != null, null, { timeout: T });
    await bob.context.setOffline(true);
    await b.reload();
    await b.getByRole('heading', { name: 'lobby', level: 1 }).waitFor({ timeout: T });
    await timelineMsg(bob, 'Hello everyone!').waitFor({ timeout: T });
    await b.getByText("You're offline", { exact: false }).first().waitFor({ timeout: T });
    await bob.shot('06-offline-reload.png');
    await bob.context.setOffline(false);
    await b.getByText("You're offline", { exact: false }).first().waitFor({ state: 'detached', timeout: T });
  });

  journey('a dropped stream resumes without losing messages, and so does a reload', async () => {
    const a = alice.page;
    // Alice loses the network; Bob writes meanwhile; Alice comes back.
    await alice.context.setOffline(true);
    await a.getByText("You're offline", { exact: false }).first().waitFor({ timeout: T }).catch(() => undefined);
    await send(bob, 'Written while Alice was away');
    await timelineMsg(bob, 'Written while Alice was away').waitFor({ timeout: T });
    await alice.context.setOffline(false);
    await timelineMsg(alice, 'Written while Alice was away').waitFor({ timeout: T });
    assert.equal(await timelineMsg(alice, 'Written while Alice was away').count(), 1);

    await a.reload();
    await a.getByRole('heading', { name: 'lobby', level: 1 }).waitFor({ timeout: T });
    for (const text of ['Hello everyone!', 'glad you are here', 'Offline message one', 'Offline message two', 'Written while Alice was away']) {
      await timelineMsg(alice, text).waitFor({ timeout: T });
      assert.equal(await timelineMsg(alice, text).count(), 1, text);
    }
    // Live again after the reload.
    await send(bob, 'After the reload');
    await timelineMsg(alice, 'After the reload').waitFor({ timeout: T });
    await alice.shot('07-after-reload.png');
  });

  journey('the instance admin sees the system health page and a member does not', async () => {
    const a = alice.page;
    await a.getByRole('button', { name: 'System health' }).click();
    await a.getByRole('heading', { name: 'System health', level: 1 }).waitFor({ timeout: T });
    await a.getByRole('region', { name: 'Components' }).getByText('search').waitFor({ timeout: T });
    await a.getByRole('img', { name: /^Messages \/ s, last/ }).waitFor({ timeout: T });
    await a.getByRole('region', { name: 'Rates and latencies' }).getByText('15 min').waitFor({ timeout: T });
    await alice.shot('08-system-health.png');

    const b = bob.page;
    assert.equal(await b.getByRole('button', { name: 'System health' }).count(), 0, 'a member sees no health button');
    await b.goto(`${srv.url}/admin/health`);
    await b.getByText('Only the instance administrator can see the system health.').waitFor({ timeout: T });
  });
});

async function bobContextOnline() {
  await bob.context.setOffline(false);
}
