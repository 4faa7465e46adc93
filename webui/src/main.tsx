import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ErrorBoundary } from './components/ErrorBoundary';
import * as actions from './app/actions';
import { keepOfflineCopy } from './app/offlineCache';
import { stream } from './app/stream';
import { navigate, route } from './router';
import { expireTyping } from './state/presence';
import { presence, session, toast } from './stores';
import './styles.css';
import { startNotifications } from './notify';

// Real-time effects the reducer asks for.
stream.handlers = {
  fresh: () => void actions.afterConnect(),
  effect: (e) => {
    switch (e.kind) {
      case 'fetchChat':
        void actions.fetchChat(e.chatId);
        break;
      case 'markRead':
        void actions.markRead(e.chatId, e.seq);
        break;
      case 'resync':
        void actions.resync();
        break;
      case 'delivered':
        void actions.outbox.delivered(e.clientId);
        break;
      case 'fetchWorkspaces':
        void actions.loadWorkspaces();
        break;
      case 'fetchWorkspaceMembers':
        void actions.loadWorkspaceMembers(e.workspaceId);
        break;
      case 'chatGone':
        actions.chatGone(e.chatId);
        break;
      case 'workspaceGone':
        actions.workspaceGone(e.workspaceId);
        break;
    }
  },
};

window.addEventListener('online', () => void actions.reconnected());
window.addEventListener('offline', () => stream.offline());
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') {
    stream.kick();
    void actions.outbox.flush();
    actions.markActiveRead();
  }
});
setInterval(() => presence.set((p) => expireTyping(p, Date.now())), 2000);

// Screens follow the session: signed-out people land on sign-in or setup.
session.subscribe(() => {
  const s = session.get();
  const r = route.get();
  if (s.status === 'setup' && r.name !== 'setup' && r.name !== 'invite') navigate({ name: 'setup' }, true);
  const signedOutRoutes = ['signin', 'invite', 'forgotPassword', 'resetPassword', 'confirmEmail'];
  if (s.status === 'signedOut' && !signedOutRoutes.includes(r.name)) navigate({ name: 'signin' }, true);
  if (s.status === 'signedIn' && (r.name === 'signin' || r.name === 'setup')) navigate({ name: 'home' }, true);
});

window.addEventListener('unhandledrejection', (e) => {
  console.error(e.reason);
  toast(e.reason instanceof Error ? e.reason.message : 'Something went wrong.');
});

if ('serviceWorker' in navigator && import.meta.env.PROD) {
  navigator.serviceWorker.register('/sw.js').catch((e: unknown) => console.warn('service worker not registered', e));
  keepOfflineCopy();
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ErrorBoundary>
      <App />
    </ErrorBoundary>
  </StrictMode>,
);

startNotifications();
void actions.boot();
