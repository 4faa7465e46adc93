import { createStore, useStore } from './stores/store';

/** Route is the screen the URL names. */
export type Route =
  | { name: 'home' }
  | { name: 'setup'; token?: string }
  | { name: 'signin' }
  | { name: 'invite'; code: string }
  | { name: 'workspace'; ws: number }
  | { name: 'chat'; ws: number; chat: number; seq?: number }
  | { name: 'channels'; ws: number }
  | { name: 'admin'; ws: number }
  | { name: 'assistantAdmin'; ws: number }
  | { name: 'integrations'; ws: number }
  | { name: 'settings' }
  | { name: 'health' }
  | { name: 'forgotPassword' }
  | { name: 'resetPassword'; token: string }
  | { name: 'confirmEmail'; token: string }
  | { name: 'notFound' };

export function parse(path: string, search = ''): Route {
  const parts = path.split('/').filter(Boolean);
  const n = (s: string | undefined) => (s && /^\d+$/.test(s) ? Number(s) : NaN);
  const [a, b, c, d] = parts;
  if (parts.length === 0) return { name: 'home' };
  if (a === 'setup' && parts.length === 1) {
    const token = new URLSearchParams(search).get('token');
    return token ? { name: 'setup', token } : { name: 'setup' };
  }
  if (a === 'signin' && parts.length === 1) return { name: 'signin' };
  if (a === 'forgot-password' && parts.length === 1) return { name: 'forgotPassword' };
  if ((a === 'reset-password' || a === 'confirm-email') && parts.length === 1) {
    const token = new URLSearchParams(search).get('token') ?? '';
    return a === 'reset-password' ? { name: 'resetPassword', token } : { name: 'confirmEmail', token };
  }
  if (a === 'settings' && parts.length === 1) return { name: 'settings' };
  if (a === 'admin' && b === 'health' && parts.length === 2) return { name: 'health' };
  if (a === 'invite' && b && parts.length === 2) return { name: 'invite', code: decodeURIComponent(b) };
  if (a === 'w' && !Number.isNaN(n(b))) {
    const ws = n(b);
    if (parts.length === 2) return { name: 'workspace', ws };
    if (c === 'c' && !Number.isNaN(n(d)) && parts.length === 4) {
      const seq = Number(new URLSearchParams(search).get('seq'));
      return seq > 0 ? { name: 'chat', ws, chat: n(d), seq } : { name: 'chat', ws, chat: n(d) };
    }
    if (c === 'channels' && parts.length === 3) return { name: 'channels', ws };
    if (c === 'admin' && parts.length === 3) return { name: 'admin', ws };
    if (c === 'admin' && d === 'assistant' && parts.length === 4) return { name: 'assistantAdmin', ws };
    if (c === 'admin' && d === 'integrations' && parts.length === 4) return { name: 'integrations', ws };
  }
  return { name: 'notFound' };
}

export function href(r: Route): string {
  switch (r.name) {
    case 'home':
      return '/';
    case 'setup':
      return r.token ? `/setup?token=${encodeURIComponent(r.token)}` : '/setup';
    case 'signin':
      return '/signin';
    case 'settings':
      return '/settings';
    case 'health':
      return '/admin/health';
    case 'invite':
      return `/invite/${encodeURIComponent(r.code)}`;
    case 'workspace':
      return `/w/${r.ws}`;
    case 'chat':
      return `/w/${r.ws}/c/${r.chat}${r.seq ? `?seq=${r.seq}` : ''}`;
    case 'channels':
      return `/w/${r.ws}/channels`;
    case 'admin':
      return `/w/${r.ws}/admin`;
    case 'assistantAdmin':
      return `/w/${r.ws}/admin/assistant`;
    case 'integrations':
      return `/w/${r.ws}/admin/integrations`;
    case 'forgotPassword':
      return '/forgot-password';
    case 'resetPassword':
      return `/reset-password?token=${encodeURIComponent(r.token)}`;
    case 'confirmEmail':
      return `/confirm-email?token=${encodeURIComponent(r.token)}`;
    case 'notFound':
      return '/';
  }
}

const current = () => (typeof location === 'undefined' ? { name: 'home' as const } : parse(location.pathname, location.search));

export const route = createStore<Route>(current());

if (typeof window !== 'undefined') {
  window.addEventListener('popstate', () => route.set(current()));
}

export function navigate(r: Route, replace = false): void {
  const url = href(r);
  if (url !== location.pathname + location.search) {
    if (replace) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
  }
  route.set(parse(location.pathname, location.search));
}

export function useRoute(): Route {
  return useStore(route, (r) => r);
}
