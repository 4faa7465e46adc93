import { useEffect } from 'react';
import { usePushPresence } from './app/push';
import { ChannelSettings } from './components/ChannelSettings';
import { MessagePanel } from './components/MessagePanels';
import * as actions from './app/actions';
import { ChatView, MembersPanel, ThreadPanel } from './components/ChatView';
import { Toasts } from './components/common';
import { SearchPanel } from './components/SearchPanel';
import { ChannelSidebar, WorkspaceRail } from './components/Sidebar';
import { navigate, route, useRoute, type Route } from './router';
import { InviteScreen, SetupScreen, SignInScreen } from './screens/Auth';
import { HealthPage } from './screens/Health';
import { ConfirmEmailScreen, ForgotPasswordScreen, ResetPasswordScreen } from './screens/Recovery';
import { AdminPage, ChannelBrowser, EmptyWorkspace, SettingsPage } from './screens/Pages';
import { AssistantAdmin } from './screens/AssistantAdmin';
import { IntegrationsPage } from './screens/Integrations';
import { chatsOf } from './state/chats';
import { chats, session, ui, workspaces } from './stores';
import { useStore } from './stores/store';
import { ProfileCardHost } from './profile/ProfileCard';

/** useShortcuts wires the app-wide keys: Ctrl/Cmd+K search,
 * Alt+Up/Down previous/next chat, Escape closes panels. */
function useShortcuts() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        ui.set((s) => ({ ...s, searchOpen: !s.searchOpen }));
        return;
      }
      if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
        const ws = workspaces.get().currentId;
        if (ws == null) return;
        e.preventDefault();
        const list = chatsOf(chats.get(), ws);
        if (list.length === 0) return;
        const r = document.querySelectorAll<HTMLElement>('.chat-list [data-chat-id]');
        // Follow the sidebar's visual order (grouped by kind).
        const order = r.length ? [...r].map((el) => Number(el.dataset.chatId)) : list.map((c) => c.id);
        const rt = route.get();
        const cur = rt.name === 'chat' ? rt.chat : null;
        const i = cur != null ? order.indexOf(cur) : -1;
        const j = e.key === 'ArrowUp' ? (i <= 0 ? order.length - 1 : i - 1) : i >= order.length - 1 ? 0 : i + 1;
        const id = order[j];
        if (id != null) navigate({ name: 'chat', ws, chat: id });
        return;
      }
      if (e.key === 'Escape' && !e.defaultPrevented) {
        const s = ui.get();
        if (s.sidebarOpen) ui.set((x) => ({ ...x, sidebarOpen: false }));
        else if (s.panel !== 'none' && !s.searchOpen) ui.set((x) => ({ ...x, panel: 'none', threadRootId: null }));
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

function Shell({ r }: { r: Route }) {
  usePushPresence();
  const ws = useStore(workspaces, (s) => s.currentId);
  const loaded = useStore(workspaces, (s) => s.loaded);
  const sidebarOpen = useStore(ui, (s) => s.sidebarOpen);
  const panel = useStore(ui, (s) => s.panel);
  const threadRoot = useStore(ui, (s) => s.threadRootId);
  const searchOpen = useStore(ui, (s) => s.searchOpen);
  const chatId = r.name === 'chat' ? r.chat : null;
  const chat = useStore(chats, (s) => (chatId != null ? s.byId[chatId] : undefined));
  const chatsLoaded = useStore(chats, (s) => (ws != null ? !!s.loaded[ws] : false));

  // Follow the URL's workspace.
  useEffect(() => {
    if ('ws' in r && r.ws !== ws && loaded && workspaces.get().list.some((w) => w.id === r.ws)) void actions.selectWorkspace(r.ws);
  }, [r, ws, loaded]);
  // A chat the list does not have (a link, a new membership): fetch it.
  useEffect(() => {
    if (chatId != null && !chat && chatsLoaded) {
      void actions.fetchChat(chatId).then((c) => {
        if (!c) {
          actions.report(new Error('That chat does not exist, or you are not a member of it.'));
          if (ws != null) navigate({ name: 'workspace', ws }, true);
        }
      });
    }
  }, [chatId, chat, chatsLoaded, ws]);
  useEffect(() => {
    actions.resetUIForChat();
  }, [chatId]);
  useEffect(() => {
    if (r.name === 'home' && loaded && ws != null) void actions.selectWorkspace(ws, true);
  }, [r.name, loaded, ws]);

  let main;
  if (r.name === 'settings') main = <SettingsPage />;
  else if (r.name === 'health') main = <HealthPage />;
  else if (r.name === 'channels') main = <ChannelBrowser ws={r.ws} />;
  else if (r.name === 'admin') main = <AdminPage ws={r.ws} />;
  else if (r.name === 'assistantAdmin') main = <AssistantAdmin ws={r.ws} />;
  else if (r.name === 'integrations') main = <IntegrationsPage ws={r.ws} />;
  else if (r.name === 'chat' && chat) main = <ChatView key={chat.id} chat={chat} jumpSeq={r.seq} />;
  else if (r.name === 'workspace' && chatsLoaded) main = <EmptyWorkspace ws={r.ws} />;
  else if (loaded && ws == null) main = <section className="main"><div className="center">You are not in any workspace yet. Create one with the + button, or open an invite link.</div></section>;
  else main = <section className="main"><div className="center" aria-busy="true">Loading…</div></section>;

  return (
    <div className={`shell${sidebarOpen ? ' nav-open' : ''}`} onClick={(e) => {
      if (sidebarOpen && (e.target as HTMLElement).classList.contains('shell')) ui.set((s) => ({ ...s, sidebarOpen: false }));
    }}>
      <WorkspaceRail />
      <ChannelSidebar />
      {main}
      {chat && panel === 'thread' && threadRoot != null && <ThreadPanel chat={chat} root={threadRoot} />}
      {chat && panel === 'members' && <MembersPanel chat={chat} />}
      {chat && panel === 'settings' && <ChannelSettings chat={chat} />}
      {chat && panel === 'pins' && <MessagePanel kind="pins" chat={chat} />}
      {(panel === 'saved' || panel === 'mentions') && <MessagePanel kind={panel} />}
      {searchOpen && <SearchPanel />}
    </div>
  );
}

export function App() {
  const status = useStore(session, (s) => s.status);
  const r = useRoute();
  useShortcuts();
  const theme = useStore(ui, (s) => s.theme);
  useEffect(() => {
    if (theme === 'system') document.documentElement.removeAttribute('data-theme');
    else document.documentElement.setAttribute('data-theme', theme);
  }, [theme]);

  let screen;
  if (r.name === 'invite' && status !== 'booting') screen = <InviteScreen code={r.code} />;
  else if (r.name === 'resetPassword' && status !== 'booting') screen = <ResetPasswordScreen token={r.token} />;
  else if (r.name === 'forgotPassword' && status === 'signedOut') screen = <ForgotPasswordScreen />;
  else if (r.name === 'confirmEmail' && status === 'signedIn') screen = <ConfirmEmailScreen token={r.token} />;
  else if (status === 'booting') screen = <div className="center" aria-busy="true">Loading Fechatter…</div>;
  else if (status === 'setup') screen = <SetupScreen />;
  else if (status === 'signedOut') screen = <SignInScreen />;
  else screen = <Shell r={r} />;
  return (
    <>
      {screen}
      <Toasts />
      <ProfileCardHost />
    </>
  );
}
