// Browser journeys of the assistant against the built binary, with an
// OpenAI-compatible model stub in this process: /ask in a channel shows a
// reply that streams in and settles; a message in another language offers
// "Translate", shows the translation and "Show original".
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { api, freePort, person, seedTeam, signIn, startServer, myChat, journeyRunner } from './harness.mjs';

const ALICE = { name: 'Alice Admin', username: 'alice', email: 'alice@example.com', password: 'correct-horse-1' };
const BOB = { name: 'Bob Builder', username: 'bob', email: 'bob@example.com', password: 'battery-staple-2' };
const T = 30_000;
const ANSWER = 'The release checklist lives in the wiki, under Operations.';
const TRANSLATION = 'Good morning! The deployment went well today.';

/** startModel answers POST /v1/chat/completions with stream: true as SSE
 * chunks, a word at a time with a pause between them (so the reply is
 * seen growing), then a usage chunk and [DONE]. A translation request
 * (its system prompt asks to translate) gets TRANSLATION. */
async function startModel() {
  const requests = [];
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404).end();
      return;
    }
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const r = JSON.parse(body);
      requests.push(r);
      if (!r.stream) {
        res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { message: 'stream only' } }));
        return;
      }
      const translating = r.messages.some((m) => m.role === 'system' && /translate chat messages/i.test(m.content));
      const words = (translating ? TRANSLATION : ANSWER).split(/(?<= )/);
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      const chunk = (choices, usage) => `data: ${JSON.stringify({ id: 'chatcmpl-e2e', object: 'chat.completion.chunk', created: 1, model: r.model, choices, usage })}\n\n`;
      for (const [i, w] of words.entries()) {
        res.write(chunk([{ index: 0, delta: i === 0 ? { role: 'assistant', content: w } : { content: w }, finish_reason: null }], null));
        if (!translating) await new Promise((ok) => setTimeout(ok, 300));
      }
      res.write(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }], null));
      res.write(chunk([], { prompt_tokens: 20, completion_tokens: words.length, total_tokens: 20 + words.length }));
      res.end('data: [DONE]\n\n');
    });
  });
  const port = await freePort();
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${port}/v1`, requests, close: () => new Promise((ok) => server.close(ok)) };
}

let model;
let srv;
let team;
let alice;
let bob;
let general;

const journey = journeyRunner('assistant-', () => [alice, bob]);

const timelineMsg = (p, text) => p.page.locator('.messages article.msg', { has: p.page.locator('.msg-body', { hasText: text }) });

before(async () => {
  model = await startModel();
  srv = await startServer({
    env: { FECHATTER_BOT__BASE_URL: model.url, FECHATTER_BOT__MODEL: 'e2e-model', FECHATTER_BOT__LANGUAGES: 'en,de,fr' },
  });
  team = await seedTeam(srv, { admin: ALICE, members: [BOB] });
  const [a, b] = team.people;
  general = await myChat(srv, a.token, team.workspace.id, 'general');
  // Bob reads English: his language is set, automatic translation off.
  await api(srv.url, b.token, 'PATCH', '/api/me/language', { language: 'en', auto_translate: false });
  alice = await person('alice');
  bob = await person('bob');
  await signIn(alice, srv.url, ALICE);
  await signIn(bob, srv.url, BOB);
});

after(async () => {
  await alice?.close();
  await bob?.close();
  await srv?.stop();
  await model?.close();
});

describe('the assistant', () => {
  journey('/ask in a channel shows a streaming reply', async () => {
    const { page } = alice;
    await page.goto(`${srv.url}/w/${team.workspace.id}/c/${general.id}`);
    const box = page.getByTestId('composer');
    await box.click();
    await box.fill('/ask where is the release checklist?');
    await box.press('Enter');
    // The reply appears from the assistant and grows (the cursor ▍ shows
    // while tokens arrive), then settles into the whole answer.
    const reply = page.locator('.messages article.msg', { has: page.locator('.who', { hasText: 'Assistant' }) });
    await reply.locator('.msg-body', { hasText: '▍' }).first().waitFor({ timeout: T });
    await alice.shot('assistant-ask-streaming.png');
    await reply.locator('.msg-body', { hasText: ANSWER }).first().waitFor({ timeout: T });
    // The whole text may show a moment before the last update takes the
    // cursor away; the settled reply must lose it.
    await reply.locator('.msg-body', { hasText: '▍' }).first().waitFor({ state: 'detached', timeout: T });
    const asked = model.requests.find((r) => r.messages.some((m) => m.content.includes('where is the release checklist')));
    assert.ok(asked, 'the model got the question');
    await alice.shot('assistant-ask-settled.png');
  });

  journey('translate a message, then show the original', async () => {
    const [a] = team.people;
    const original = 'Guten Morgen! Das Deployment ist heute gut gelaufen.';
    const m = await api(srv.url, a.token, 'POST', `/api/chats/${general.id}/messages`, { content: original });
    // Detection runs after the send; wait for it, then open the chat.
    const deadline = Date.now() + T;
    for (;;) {
      const got = await api(srv.url, a.token, 'GET', `/api/chats/${general.id}/messages/${m.id}`);
      if (got.lang === 'de') break;
      assert.ok(Date.now() < deadline, `lang not detected: ${JSON.stringify(got.lang)}`);
      await new Promise((ok) => setTimeout(ok, 200));
    }
    const { page } = bob;
    await page.goto(`${srv.url}/w/${team.workspace.id}/c/${general.id}`);
    const msg = timelineMsg(bob, original);
    await msg.waitFor({ timeout: T });
    // English messages offer nothing; the German one offers "Translate".
    assert.equal(await timelineMsg(bob, ANSWER).getByRole('button', { name: 'Translate' }).count(), 0);
    await msg.getByRole('button', { name: 'Translate' }).click();
    const translated = page.locator('.messages article.msg', { has: page.locator('.msg-body', { hasText: TRANSLATION }) });
    await translated.waitFor({ timeout: T });
    await translated.getByRole('button', { name: 'Show original' }).waitFor({ timeout: T });
    await bob.shot('assistant-translated.png');
    await translated.getByRole('button', { name: 'Show original' }).click();
    await msg.getByRole('button', { name: 'Show translation' }).waitFor({ timeout: T });
    const translations = model.requests.filter((r) => r.messages.some((x) => x.role === 'system' && /translate chat messages/i.test(x.content)));
    assert.equal(translations.length, 1, 'one model request for one translation');
    assert.ok(translations[0].messages.some((x) => x.content === original), 'the model got the message');
  });
});
