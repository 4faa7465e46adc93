import { describe, expect, it } from 'vitest';
import { ApiClient } from '../src/api/client';
import { ApiError, describe as say } from '../src/api/errors';
import { fillPath, withQuery } from '../src/api/endpoints';
import { buildEventsURL } from '../src/app/stream';

function json(status: number, body: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

const session = (tok: string) => ({ user: { id: 1 }, access_token: tok, token_type: 'Bearer', expires_in: 900 });

describe('ApiClient', () => {
  it('refreshes once on 401 and retries with the new token', async () => {
    const seen: string[] = [];
    const fetchImpl = (async (url: string, init: RequestInit) => {
      const auth = (init.headers as Record<string, string>).Authorization ?? '';
      seen.push(`${init.method} ${url} ${auth}`);
      if (url === '/api/auth/refresh') return json(200, session('new'));
      if (auth === 'Bearer new') return json(200, { workspaces: [] });
      return json(401, { error: { code: 'unauthorized', message: 'token expired' } });
    }) as unknown as typeof fetch;
    const c = new ApiClient(fetchImpl);
    c.adopt(session('old') as never);
    expect(await c.workspaces()).toEqual([]);
    expect(seen).toEqual(['GET /api/workspaces Bearer old', 'POST /api/auth/refresh ', 'GET /api/workspaces Bearer new']);
    c.forget();
  });

  it('reports a lost session when refresh is refused', async () => {
    let lost = 0;
    const c = new ApiClient((async () => json(401, { error: { code: 'unauthorized', message: 'session ended' } })) as unknown as typeof fetch);
    c.onSessionLost = () => lost++;
    await expect(c.me()).rejects.toThrow('session ended');
    expect(lost).toBe(1);
    expect(c.token).toBeNull();
  });

  it('uses the API error message, and says so when the network is down', async () => {
    const c = new ApiClient((async () => json(409, { error: { code: 'conflict', message: 'a channel with this name already exists', request_id: 'r1' } })) as unknown as typeof fetch);
    const err = await c.createWorkspace('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toBe('a channel with this name already exists');
    expect((err as ApiError).requestId).toBe('r1');
    const down = new ApiClient((async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch);
    const e2 = (await down.setupStatus().catch((e: unknown) => e)) as ApiError;
    expect(e2.isNetwork).toBe(true);
    expect(say(e2)).toMatch(/Can't reach the server/);
  });

  it('falls back to words for a body without an error message', async () => {
    const c = new ApiClient((async () => new Response('<html>bad gateway</html>', { status: 502 })) as unknown as typeof fetch);
    expect(((await c.me().catch((e: unknown) => e)) as ApiError).message).toBe('The server had a problem. Please try again.');
  });

  it('shows field errors in words', () => {
    expect(say(new ApiError(400, 'invalid_request', 'invalid input', { member_ids: 'a group needs at least three people including you' }))).toBe(
      'invalid input: member ids a group needs at least three people including you',
    );
  });

  it('encodes path parameters and skips empty query values', () => {
    expect(fillPath('/api/chats/{chat}/messages/{id}/reactions/{emoji}', { chat: 1, id: 2, emoji: '👍' })).toBe('/api/chats/1/messages/2/reactions/%F0%9F%91%8D');
    expect(withQuery('/x', { a: 1, b: undefined, c: '', d: false })).toBe('/x?a=1&d=false');
  });

  it('resumes the event stream with a fresh ticket and the last id', () => {
    expect(buildEventsURL('t1', null)).toBe('/api/events?ticket=t1');
    expect(buildEventsURL('t2', '42')).toBe('/api/events?ticket=t2&last_event_id=42');
  });
});
