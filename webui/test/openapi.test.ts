// Checks every endpoint the client calls against the server's OpenAPI
// document (GET /api/openapi.json), so a renamed or removed route fails
// here rather than in someone's browser. It uses FECHATTER_URL when set
// (a running server); otherwise it starts FECHATTER_BIN, or a binary it
// builds with the Go toolchain, on a random port with a temp data dir.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints } from '../src/api/endpoints';

// Endpoints the contract (API.md) names but the server may still be
// wiring. They are checked as soon as the document lists their path; the
// test only tolerates their absence, never a different method.
const PENDING = new Set(['/api/workspaces/{ws}/search', '/api/events/ticket', '/api/events']);

let base = process.env.FECHATTER_URL ?? '';
let proc: ChildProcess | null = null;
let dir = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

beforeAll(async () => {
  if (base) return;
  dir = mkdtempSync(join(tmpdir(), 'fc-openapi-'));
  let bin = process.env.FECHATTER_BIN ?? '';
  if (!bin) {
    bin = join(dir, 'fechatter');
    const repo = new URL('../..', import.meta.url).pathname;
    execFileSync('go', ['build', '-o', bin, './cmd/fechatter'], { cwd: repo, stdio: 'inherit' });
  }
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  proc = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', join(dir, 'data')], { stdio: 'ignore' });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`server at ${base} did not start`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 240_000);

afterAll(() => {
  proc?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('API client vs /api/openapi.json', () => {
  it('calls only paths and methods the server documents', async () => {
    const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const missing: string[] = [];
    const waiting: string[] = [];
    for (const [name, ep] of Object.entries(endpoints)) {
      const ops = doc.paths[ep.path];
      if (!ops && PENDING.has(ep.path)) {
        waiting.push(`${ep.method} ${ep.path}`);
        continue;
      }
      if (!ops || !(ep.method.toLowerCase() in ops)) missing.push(`${name}: ${ep.method} ${ep.path}`);
    }
    if (waiting.length) console.warn(`not yet in the OpenAPI document (pending in API.md): ${waiting.join(', ')}`);
    expect(missing).toEqual([]);
  });

  it('uses the documented success statuses for the session endpoints', async () => {
    const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> };
    expect(Object.keys(doc.paths['/api/setup']?.post?.responses ?? {})).toContain('201');
    expect(Object.keys(doc.paths['/api/auth/signin']?.post?.responses ?? {})).toContain('200');
    expect(Object.keys(doc.paths['/api/chats/{chat}/messages']?.post?.responses ?? {})).toContain('201');
  });
});
