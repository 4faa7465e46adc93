/* Fechatter service worker. Kept small and written by hand: it caches the
 * app shell (precached at install) and recent API reads (network first,
 * the cached copy only when the network is down), so the app opens and
 * shows recent history offline. Writes are never cached or replayed here:
 * the page's IndexedDB outbox owns offline sends. scripts/postbuild.mjs
 * fills in VERSION and PRECACHE. */
const VERSION = "f3f3a09ccaa2268a";
const PRECACHE = ["/assets/code-DWzBfwUq.js","/assets/compact-C8-lyxgK.js","/assets/github-Cr2dUmht.js","/assets/index-CsV_kA36.js","/assets/style-CQOPviym.css","/icon-192.png","/icon-512.png","/icon-maskable-512.png","/icon.svg","/index.html","/manifest.webmanifest"];
const SHELL = `fechatter-shell-${VERSION}`;
const API = 'fechatter-api';
const API_MAX_ENTRIES = 300;

// API reads worth keeping for offline use: lists and recent history.
const CACHEABLE = [
  /^\/api\/me$/,
  /^\/api\/workspaces$/,
  /^\/api\/workspaces\/\d+\/(chats|members|channels)$/,
  /^\/api\/chats\/\d+$/,
  /^\/api\/chats\/\d+\/(messages|members)$/,
  /^\/api\/mentions$/,
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(SHELL).then((c) => c.addAll(PRECACHE)).then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('fechatter-shell-') && k !== SHELL).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function offlineError() {
  return new Response(
    JSON.stringify({ error: { code: 'unavailable', message: "You're offline, and this has not been saved on this device yet." } }),
    { status: 503, headers: { 'Content-Type': 'application/json' } },
  );
}

async function trim(cache) {
  const keys = await cache.keys();
  for (let i = 0; i < keys.length - API_MAX_ENTRIES; i++) await cache.delete(keys[i]);
}

async function apiRead(request) {
  const cache = await caches.open(API);
  // The app sends reads without a token only when it opened offline (it
  // has no access token then): answer those from this device's copy.
  if (!request.headers.has('Authorization')) {
    return (await cache.match(request, { ignoreVary: true })) || offlineError();
  }
  try {
    const res = await fetch(request);
    if (res.ok) {
      await cache.delete(request);
      await cache.put(request, res.clone());
      void trim(cache);
    }
    return res;
  } catch {
    const hit = await cache.match(request, { ignoreVary: true });
    return hit || offlineError();
  }
}

async function navigation(request) {
  try {
    return await fetch(request);
  } catch {
    const cache = await caches.open(SHELL);
    return (await cache.match('/index.html')) || Response.error();
  }
}

async function shellAsset(request) {
  const hit = await caches.match(request);
  if (hit) return hit;
  const res = await fetch(request);
  if (res.ok && new URL(request.url).pathname.startsWith('/assets/')) {
    const cache = await caches.open(SHELL);
    await cache.put(request, res.clone());
  }
  return res;
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/')) {
    if (CACHEABLE.some((re) => re.test(url.pathname))) event.respondWith(apiRead(req));
    return;
  }
  if (req.mode === 'navigate') {
    event.respondWith(navigation(req));
    return;
  }
  if (PRECACHE.includes(url.pathname) || url.pathname.startsWith('/assets/')) event.respondWith(shellAsset(req));
});

self.addEventListener('message', (event) => {
  if (event.data === 'clear-api-cache') event.waitUntil(caches.delete(API));
});

// Web Push (docs/link-previews-and-push.md): the server pushes DMs and
// mentions while no tab is in view. The payload is JSON from
// internal/push (title, body, workspace_id, chat_id, seq, tag); without
// notification previews it has no sender and no text.
self.addEventListener('push', (event) => {
  let n = {};
  try {
    n = event.data ? event.data.json() : {};
  } catch {
    n = {};
  }
  const title = n.title || 'Fechatter';
  const url = n.workspace_id && n.chat_id ? `/w/${n.workspace_id}/c/${n.chat_id}${n.seq ? `?seq=${n.seq}` : ''}` : '/';
  event.waitUntil(
    self.registration.showNotification(title, {
      body: n.body || '',
      tag: n.tag || undefined,
      icon: '/icon-192.png',
      data: { url },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || '/';
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((wins) => {
      for (const w of wins) {
        if (new URL(w.url).origin === self.location.origin && 'focus' in w) {
          return w.focus().then((c) => (c && 'navigate' in c ? c.navigate(url) : undefined));
        }
      }
      return self.clients.openWindow(url);
    }),
  );
});
