// Test harness for the browser journeys: starts the built fechatter binary
// on a random loopback port with a temp data dir, and Debian's Chromium
// with a new empty profile per person.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

function run(bin, args, name) {
  const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
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
 * app on one port. */
export async function startServer() {
  const bin = process.env.FECHATTER_BIN ?? join(repo, 'bin', 'fechatter-e2e');
  const dataDir = mkdtempSync(join(tmpdir(), 'fc-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = run(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir], 'fechatter');
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
