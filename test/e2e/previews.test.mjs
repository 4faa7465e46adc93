// Link previews in the browser: a message linking to a page (served on
// loopback, which the server is told to allow) shows a preview card with
// the page's title, description and the image through the server's proxy;
// only the author may remove it, and it disappears for readers when they do.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { a11yProblems, api, person, seedTeam, signIn, startServer } from './harness.mjs';

// A 1x1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

let site, siteURL, srv, team, bob, chat;
const ann = { email: 'ann@example.com', password: 'correct horse battery', username: 'ann', name: 'Ann' };
const bobWho = { email: 'bob@example.com', password: 'correct horse battery', username: 'bob', name: 'Bob' };

before(async () => {
  site = createServer((req, res) => {
    if (req.url === '/cover.png') {
      res.writeHead(200, { 'Content-Type': 'image/png' });
      res.end(PNG);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><title>fallback</title>
      <meta property="og:site_name" content="Loopback Docs">
      <meta property="og:title" content="The Deploy Guide">
      <meta property="og:description" content="How we ship on Fridays.">
      <meta property="og:image" content="/cover.png"></head><body>hi</body></html>`);
  });
  await new Promise((r) => site.listen(0, '127.0.0.1', r));
  siteURL = `http://127.0.0.1:${site.address().port}`;
  srv = await startServer({ env: { FECHATTER_OUTBOUND__ALLOW_CIDRS: '127.0.0.1' } });
  team = await seedTeam(srv, { admin: ann, members: [bobWho] });
  const [annP, bobP] = team.people;
  chat = await api(srv.url, annP.token, 'POST', `/api/workspaces/${team.workspace.id}/chats`, {
    type: 'public_channel', name: 'links', member_ids: [bobP.user.id],
  });
  bob = await person('bob');
  await signIn(bob, srv.url, bobWho);
});

after(async () => {
  await bob?.close?.();
  await srv?.stop();
  await new Promise((r) => site?.close(r));
});

describe('link previews', () => {
  it('shows a preview card for a link, with the image through the server', async () => {
    const annToken = team.people[0].token;
    await bob.page.getByRole('link', { name: /^links/ }).click();
    await bob.page.getByRole('textbox', { name: /message/i }).first().waitFor({ timeout: 20_000 });
    await api(srv.url, annToken, 'POST', `/api/chats/${chat.id}/messages`, { content: `read ${siteURL}/guide before the release` });
    const card = bob.page.getByTestId('link-preview');
    await card.waitFor({ timeout: 30_000 });
    const title = card.getByRole('link', { name: 'The Deploy Guide' });
    assert.equal(await title.getAttribute('href'), `${siteURL}/guide`);
    assert.equal(await title.getAttribute('rel'), 'noopener noreferrer nofollow');
    assert.equal(await title.getAttribute('target'), '_blank');
    assert.ok(await card.getByText('How we ship on Fridays.').isVisible());
    assert.ok(await card.getByText('Loopback Docs').isVisible());
    const img = card.locator('img');
    assert.match(await img.getAttribute('src'), /^\/api\/link-previews\/image\?/);
    await bob.page.waitForFunction(() => document.querySelector('[data-testid=link-preview] img')?.naturalWidth === 1);
    assert.equal(await card.getByRole('button', { name: 'Remove link preview' }).count(), 0, 'only the author may remove it');
    // Only the card is this journey's: the sidebar's known contrast issue
    // belongs to the main screens' journey.
    assert.deepEqual((await a11yProblems(bob.page)).filter((p) => /link-preview|lp-/.test(p)), []);
  });

  it('disappears for readers when the author removes it', async () => {
    const annToken = team.people[0].token;
    const { messages } = await api(srv.url, annToken, 'GET', `/api/chats/${chat.id}/messages`);
    const m = messages.find((x) => x.preview);
    assert.ok(m, 'the message has its preview over REST');
    await api(srv.url, annToken, 'DELETE', `/api/chats/${chat.id}/messages/${m.id}/preview`);
    await bob.page.getByTestId('link-preview').waitFor({ state: 'detached', timeout: 30_000 });
    assert.deepEqual(bob.problems ?? [], []);
  });
});
