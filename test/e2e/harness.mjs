// Test harness for the browser journeys: starts the built fechatter binary
// on a random loopback port with a temp data dir, and Debian's Chromium
// with a new empty profile per person.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = join(here, '..', '..');
export const shots = join(repo, 'test-artifacts', 'screenshots');
mkdirSync(shots, { recursive: true });

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no free port'))));
    });
  });
}

async function waitFor(url, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

function run(bin, args, name, env) {
  const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ? { ...process.env, ...env } : process.env });
  const log = [];
  const keep = (b) => {
    log.push(b.toString());
    if (log.length > 400) log.shift();
  };
  p.stdout.on('data', keep);
  p.stderr.on('data', keep);
  p.on('exit', (code, sig) => {
    if (code !== null && code !== 0) console.error(`${name} exited with ${code}:\n${log.join('').slice(-4000)}`);
    else if (sig && sig !== 'SIGTERM') console.error(`${name} ended by ${sig}`);
  });
  return { proc: p, log };
}

function stopProc(p) {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
    p.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

function setupLinkIn(logs) {
  const m = /http:\/\/[^"\s]+\/setup\?token=[0-9a-f]+/.exec(logs);
  if (!m) throw new Error(`no setup link in the server log:\n${logs.slice(-4000)}`);
  return m[0];
}

/** startServer runs the binary, which serves the API and the embedded web
 * app on one port, on a fresh data dir; env adds to its environment
 * (FECHATTER_* config) for journeys that need it. */
export async function startServer({ env } = {}) {
  const bin = process.env.FECHATTER_BIN ?? join(repo, 'bin', 'fechatter-e2e');
  const dataDir = mkdtempSync(join(tmpdir(), 'fc-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = run(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir], 'fechatter', env);
  await waitFor(`${url}/healthz`);
  const home = await fetch(`${url}/w/1`).then((r) => r.text(), () => '');
  if (!home.includes('<div id="root">')) throw new Error(`${bin} does not serve the web app at /: was it built from a tree with webui/dist?`);
  return {
    url,
    api: url,
    dataDir,
    logs: () => server.log.join(''),
    /** setupLink is the first-run setup link the server printed in its log. */
    setupLink: () => setupLinkIn(server.log.join('')),
    /** setupToken is the token of that link. */
    setupToken: () => new URL(setupLinkIn(server.log.join(''))).searchParams.get('token'),
    async stop() {
      await stopProc(server.proc);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** person opens a browser with a new empty profile. */
export async function person(name, opts = {}) {
  const profile = mkdtempSync(join(tmpdir(), `fc-chromium-${name}-`));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
    viewport: opts.viewport ?? { width: 1280, height: 800 },
    colorScheme: opts.colorScheme ?? 'light',
    locale: 'en-US',
    timezoneId: 'UTC',
    ...(opts.isMobile ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource|net::ERR_INTERNET_DISCONNECTED|ERR_NETWORK_CHANGED/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  return {
    name,
    context,
    page,
    problems,
    async shot(file) {
      await page.screenshot({ path: join(shots, file) });
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * journeyRunner returns journey(name, fn): a test that runs fn(t), then
 * fails if any of people()'s pages had an uncaught error, and on failure
 * keeps a screenshot of each page (FAILED-<prefix><slug>-<person>.png).
 */
export function journeyRunner(prefix, people) {
  return function journey(name, fn) {
    it(name, async (t) => {
      const open = () => people().filter(Boolean);
      try {
        await fn(t);
        const errors = open().flatMap((p) => p.problems.filter((x) => x.startsWith('pageerror')));
        for (const p of open()) p.problems.length = 0;
        assert.deepEqual(errors, [], 'uncaught errors in the page');
      } catch (e) {
        const slug = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40);
        for (const p of open()) {
          await p.shot(`FAILED-${prefix}${slug}-${p.name}.png`).catch(() => undefined);
        }
        console.log('problems', open().map((p) => p.problems));
        throw e;
      }
    });
  };
}

/** apiSession signs in over the API (for checks the UI cannot make). */
export async function apiSession(base, email, password) {
  const r = await fetch(`${base}/api/auth/signin`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password, refresh_in_body: true }),
  });
  if (!r.ok) throw new Error(`sign-in failed: ${r.status} ${await r.text()}`);
  const s = await r.json();
  return async (path) => {
    const res = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${s.access_token}` } });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
}

/** api calls the server as the holder of token and returns the parsed
 * body; any answer outside 2xx throws with the server's words. */
export async function api(base, token, method, path, body) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** seedTeam makes, over the API, what the first journeys make through the
 * UI: the instance admin with a workspace, and each of members joined to
 * it by invite. Every person comes back with their password and an access
 * token, for journey files that start from a team rather than from setup. */
export async function seedTeam(srv, { workspace = 'Acme', admin, members = [] }) {
  const s = await api(srv.url, null, 'POST', '/api/setup', {
    email: admin.email, password: admin.password, username: admin.username,
    display_name: admin.name, workspace_name: workspace, setup_token: srv.setupToken(),
  });
  const [ws] = (await api(srv.url, s.access_token, 'GET', '/api/workspaces')).workspaces;
  const people = [{ ...admin, user: s.user, token: s.access_token }];
  for (const m of members) {
    const inv = await api(srv.url, s.access_token, 'POST', `/api/workspaces/${ws.id}/invites`, {});
    const ms = await api(srv.url, null, 'POST', '/api/auth/signup', {
      email: m.email, password: m.password, username: m.username, display_name: m.name, invite_code: inv.code,
    });
    people.push({ ...m, user: ms.user, token: ms.access_token });
  }
  return { workspace: ws, people };
}

/** signIn signs who in through the web app's form and waits for the app. */
export async function signIn(p, base, who) {
  await p.page.goto(`${base}/signin`);
  await p.page.getByLabel('Email').fill(who.email);
  await p.page.getByLabel('Password').fill(who.password);
  await p.page.getByRole('button', { name: 'Sign in' }).click();
  await p.page.getByRole('heading').first().waitFor({ timeout: 20_000 });
}

/** a11yProblems runs axe-core in the page and returns its serious and
 * critical violations, one line each (empty when there are none). */
export async function a11yProblems(page) {
  const { source } = await import('axe-core').then((m) => m.default ?? m);
  // Evaluated over the DevTools protocol, so the page's strict CSP stays on.
  await page.evaluate(source);
  const found = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`);
  });
  return found;
}

/** myChat returns the chat named name among those the token's holder is a
 * member of (every workspace starts with #general and #random, which
 * members join by invite). */
export async function myChat(srv, token, wsId, name) {
  const { chats } = await api(srv.url, token, 'GET', `/api/workspaces/${wsId}/chats`);
  const c = chats.find((x) => x.name === name);
  if (!c) throw new Error(`no chat named ${name} among ${chats.map((x) => x.name).join(', ')}`);
  return c;
}
