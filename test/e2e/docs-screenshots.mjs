// Takes the documentation screenshots (docs/screenshots/): the chat view,
// search, and the phone layout, against the built binary with seeded
// data. Run after test/e2e/run.sh has built bin/fechatter-e2e:
//   node test/e2e/docs-screenshots.mjs
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { person, repo, startServer } from './harness.mjs';

const out = process.env.DOCS_SCREENSHOT_DIR ?? join(repo, 'docs', 'screenshots');
mkdirSync(out, { recursive: true });

async function call(base, token, method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const srv = await startServer();
try {
  const api = srv.api;
  const alice = await call(api, null, 'POST', '/api/setup', { email: 'maya@example.com', password: 'correct-horse-1', username: 'maya', display_name: 'Maya Chen', workspace_name: 'Northwind', setup_token: srv.setupToken() });
  const A = alice.access_token;
  const ws = (await call(api, A, 'GET', '/api/workspaces')).workspaces[0].id;
  const people = [];
  for (const [username, name] of [['omar', 'Omar Haddad'], ['lena', 'Lena Fischer'], ['sam', 'Sam Okafor']]) {
    const { code } = await call(api, A, 'POST', `/api/workspaces/${ws}/invites`, {});
    const s = await call(api, null, 'POST', '/api/auth/signup', { email: `${username}@example.com`, password: 'correct-horse-1', username, display_name: name, invite_code: code });
    people.push({ id: s.user.id, token: s.access_token, name });
  }
  const [omar, lena, sam] = people;
  // Every workspace starts with #general, which invited people join.
  const general = (await call(api, A, 'GET', `/api/workspaces/${ws}/chats`)).chats.find((c) => c.name === 'general');
  await call(api, A, 'PATCH', `/api/chats/${general.id}`, { topic: 'Company-wide news and questions' });
  const design = await call(api, A, 'POST', `/api/workspaces/${ws}/chats`, { type: 'public_channel', name: 'design', topic: 'Mockups, reviews, assets', member_ids: [omar.id, lena.id] });
  await call(api, A, 'POST', `/api/workspaces/${ws}/chats`, { type: 'private_channel', name: 'leadership', member_ids: [sam.id] });
  await call(api, A, 'POST', `/api/workspaces/${ws}/chats`, { type: 'group', member_ids: [omar.id, lena.id] });
  const dm = await call(api, omar.token, 'POST', `/api/workspaces/${ws}/chats`, { type: 'direct', member_ids: [alice.user.id] });
  const say = (who, chat, content, extra = {}) => call(api, who, 'POST', `/api/chats/${chat.id}/messages`, { content, ...extra });
  await say(A, general, 'Good morning everyone! The Q3 planning doc is up in the shared drive.');
  const q = await say(omar.token, general, 'Thanks Maya. Are we still doing the review on Thursday?');
  await say(A, general, 'Yes, Thursday 10:00. @omar can you bring the latency numbers?');
  await say(omar.token, general, 'On it. The p99 dropped to 38 ms after the index change.');
  await say(lena.token, general, 'That is a big win 🎉\nI will update the dashboard screenshots for the deck.');
  await say(sam.token, general, 'Small reminder: the office is closed on Friday for the move.');
  await say(lena.token, general, 'Room booked for the Thursday review: "Orion" on the 3rd floor.', { reply_to: q.id });
  await say(A, general, 'Perfect, thanks!', { reply_to: q.id });
  await call(api, A, 'PUT', `/api/chats/${general.id}/messages/${q.id}/reactions/${encodeURIComponent('👍')}`);
  await call(api, lena.token, 'PUT', `/api/chats/${general.id}/messages/${q.id}/reactions/${encodeURIComponent('👍')}`);
  await say(lena.token, design, 'New onboarding mockups are ready for feedback.');
  await say(omar.token, dm, 'Do you have a minute to look at the migration plan?');

  const desk = await person('docs-desktop');
  await desk.page.goto(`${srv.url}/signin`);
  await desk.page.getByLabel('Email').fill('maya@example.com');
  await desk.page.getByLabel('Password').fill('correct-horse-1');
  await desk.page.getByRole('button', { name: 'Sign in' }).click();
  await desk.page.waitForURL(/\/w\/\d+/);
  await desk.page.goto(`${srv.url}/w/${ws}/c/${general.id}`);
  await desk.page.getByRole('heading', { name: 'general', level: 1 }).waitFor();
  await desk.page.locator('article.msg', { hasText: 'still doing the review' }).getByRole('button', { name: /2 replies/ }).click();
  await desk.page.getByRole('complementary', { name: 'Thread' }).getByText('Orion').waitFor();
  await desk.page.mouse.move(0, 0);
  await desk.page.waitForTimeout(300);
  await desk.page.screenshot({ path: join(out, 'chat-view.png') });

  await desk.page.keyboard.press('Control+k');
  const box = desk.page.getByRole('searchbox', { name: 'Search messages' });
  for (let i = 0; i < 20; i++) {
    await box.fill('');
    await box.pressSequentially('thursday reveiw', { delay: 15 });
    try {
      await desk.page.getByRole('option').first().waitFor({ timeout: 1500 });
      break;
    } catch {
      // the indexer has not caught up yet
    }
  }
  await desk.page.waitForTimeout(300);
  await desk.page.screenshot({ path: join(out, 'search.png') });
  await desk.close();

  const phone = await person('docs-phone', { viewport: { width: 390, height: 844 }, isMobile: true, colorScheme: 'dark' });
  await phone.page.goto(`${srv.url}/signin`);
  await phone.page.getByLabel('Email').fill('lena@example.com');
  await phone.page.getByLabel('Password').fill('correct-horse-1');
  await phone.page.getByRole('button', { name: 'Sign in' }).click();
  await phone.page.waitForURL(/\/w\/\d+/);
  await phone.page.goto(`${srv.url}/w/${ws}/c/${general.id}`);
  await phone.page.getByRole('heading', { name: 'general', level: 1 }).waitFor();
  await phone.page.waitForTimeout(300);
  await phone.page.screenshot({ path: join(out, 'mobile.png') });
  await phone.page.getByRole('button', { name: 'Open the chat list' }).click();
  await phone.page.waitForTimeout(300);
  await phone.page.screenshot({ path: join(repo, 'test-artifacts', 'screenshots', 'mobile-nav.png') });
  await phone.close();
  console.log(`docs screenshots written to ${out}`);
} finally {
  await srv.stop();
}
