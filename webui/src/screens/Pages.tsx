import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api/client';
import { describe } from '../api/errors';
import type { Chat, ID, Invite, Role, SessionInfo } from '../api/types';
import * as actions from '../app/actions';
import { Avatar, Dialog } from '../components/common';
import { InviteList } from '../components/InviteList';
import { PreviewSettingsPanel } from '../components/PreviewSettingsPanel';
import { PushSettings } from '../components/PushSettings';
import { EmailSettings } from './Recovery';
import { NewChatDialog } from '../components/Sidebar';
import { LanguageSettings } from '../components/Translation';
import { dateTime } from '../format';
import { href, navigate } from '../router';
import { TwoFactorSettings, WorkspaceTwoFactorPolicy } from './TwoFactor';
import { canAdmin } from '../state/workspaces';
import { chats, presence, session, toast, ui, workspaces } from '../stores';
import { NONE, useStore } from '../stores/store';
import { NotificationSettingsCard } from '../notify/NotificationSettingsCard';
import { ProfileSettings } from '../profile/ProfileSettings';

export function PageShell({ title, children }: { title: string; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Fechatter`;
  }, [title]);
  return (
    <section className="main" aria-label={title}>
      <header className="chat-head">
        <button className="icon-btn menu-btn" aria-label="Open the chat list" onClick={() => ui.set((s) => ({ ...s, sidebarOpen: true }))}>☰</button>
        <h1 className="grow">{title}</h1>
      </header>
      <div className="page">{children}</div>
    </section>
  );
}

export function EmptyWorkspace({ ws }: { ws: ID }) {
  const [creating, setCreating] = useState(false);
  const admin = useStore(workspaces, (s) => canAdmin(s.list.find((w) => w.id === ws)));
  const alone = useStore(workspaces, (s) => (s.members[ws]?.length ?? 2) <= 1);
  return (
    <PageShell title="Welcome">
      {admin && alone && (
        <div className="card" data-testid="invite-empty-state">
          <h2>Invite your team</h2>
          <p>You are the only one here. Everyone you invite lands in #general and #random.</p>
          <button className="btn primary" onClick={() => navigate({ name: 'admin', ws })}>Invite people</button>
        </div>
      )}
      <div className="card">
        <h2>Start a conversation</h2>
        <p>Create a channel for your team, or browse the channels that exist.</p>
        <div className="row">
          <button className="btn primary" onClick={() => setCreating(true)}>New channel</button>
          <button className="btn" onClick={() => navigate({ name: 'channels', ws })}>Browse channels</button>
        </div>
      </div>
      {creating && <NewChatDialog ws={ws} initialType="public_channel" onClose={() => setCreating(false)} />}
    </PageShell>
  );
}

export function ChannelBrowser({ ws }: { ws: ID }) {
  const [list, setList] = useState<Chat[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const [creating, setCreating] = useState(false);
  const mine = useStore(chats, (s) => s.byId);
  useEffect(() => {
    api.channels(ws).then(setList, (e) => setError(describe(e)));
  }, [ws]);
  const shown = (list ?? []).filter((c) => !filter || `${c.name} ${c.topic}`.toLowerCase().includes(filter.toLowerCase()));
  return (
    <PageShell title="Browse channels">
      <div className="row" style={{ marginBottom: '1rem' }}>
        <input className="input grow" placeholder="Find a channel" aria-label="Find a channel" value={filter} onChange={(e) => setFilter(e.target.value)} />
        <button className="btn primary" onClick={() => setCreating(true)}>New channel</button>
      </div>
      {error && <div className="form-error" role="alert">{error}</div>}
      {list === null && !error && <p aria-busy="true">Loading channels…</p>}
      {list && shown.length === 0 && <p className="hint">No channels to show. Create one.</p>}
      <ul className="list">
        {shown.map((c) => {
          const joined = !!mine[c.id];
          return (
            <li key={c.id}>
              <span className="chat-icon" aria-hidden="true">#</span>
              <span className="grow">
                <strong>{c.name}</strong> <span className="hint">{c.member_count} member{c.member_count === 1 ? '' : 's'}</span>
                {c.topic && <div className="hint">{c.topic}</div>}
              </span>
              {joined ? (
                <button className="btn small" onClick={() => navigate({ name: 'chat', ws, chat: c.id })}>Open</button>
              ) : (
                <button className="btn small primary" onClick={() => void actions.joinChat(c.id, ws).catch((e) => actions.report(e, `Could not join #${c.name}`))}>Join</button>
              )}
            </li>
          );
        })}
      </ul>
      {creating && <NewChatDialog ws={ws} initialType="public_channel" onClose={() => setCreating(false)} />}
    </PageShell>
  );
}

const roles: Role[] = ['owner', 'admin', 'member', 'guest'];

export function AdminPage({ ws }: { ws: ID }) {
  const workspace = useStore(workspaces, (s) => s.list.find((w) => w.id === ws));
  const members = useStore(workspaces, (s) => s.members[ws] ?? NONE);
  const me = useStore(session, (s) => s.user?.id);
  const online = useStore(presence, (s) => s.online);
  const [name, setName] = useState(workspace?.name ?? '');
  const [invite, setInvite] = useState<Invite | null>(null);
  const [maxUses, setMaxUses] = useState('');
  const [invitesVersion, setInvitesVersion] = useState(0);
  const [hours, setHours] = useState('168');
  const [confirmDelete, setConfirmDelete] = useState(false);
  useEffect(() => setName(workspace?.name ?? ''), [workspace?.name]);
  useEffect(() => {
    void actions.loadWorkspaceMembers(ws);
  }, [ws]);
  if (!workspace) return <PageShell title="Workspace"><p>Loading…</p></PageShell>;
  if (!canAdmin(workspace)) return <PageShell title="Workspace"><p>Only workspace admins can manage members and invites.</p></PageShell>;
  const rename = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const w = await api.renameWorkspace(ws, name.trim());
      workspaces.set((s) => ({ ...s, list: s.list.map((x) => (x.id === ws ? { ...x, ...w, role: x.role } : x)) }));
      toast('Workspace renamed.', 'info');
    } catch (err) {
      actions.report(err, 'Could not rename the workspace');
    }
  };
  const createInvite = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const b: { max_uses?: number; expires_in_hours?: number } = {};
      if (maxUses) b.max_uses = Number(maxUses);
      if (hours) b.expires_in_hours = Number(hours);
      setInvite(await api.createInvite(ws, b));
      setInvitesVersion((v) => v + 1);
    } catch (err) {
      actions.report(err, 'Could not create the invite');
    }
  };
  const link = invite ? `${location.origin}/invite/${encodeURIComponent(invite.code)}` : '';
  return (
    <PageShell title={`${workspace.name}: administration`}>
      <p><a href={`/w/${ws}/admin/integrations`} onClick={(e) => { e.preventDefault(); navigate({ name: 'integrations', ws }); }}>Integrations: bots, webhooks, slash commands</a></p>
      <div className="card">
        <h2>Workspace</h2>
        <form onSubmit={rename} className="row">
          <label className="grow">
            <span className="sr-only">Workspace name</span>
            <input className="input" value={name} onChange={(e) => setName(e.target.value)} aria-label="Workspace name" />
          </label>
          <button className="btn" type="submit" disabled={!name.trim() || name.trim() === workspace.name}>Rename</button>
        </form>
        <p><a href={href({ name: 'assistantAdmin', ws })} onClick={(e) => { e.preventDefault(); navigate({ name: 'assistantAdmin', ws }); }}>Assistant: settings, commands and knowledge base</a></p>
      </div>
      <PreviewSettingsPanel ws={workspace.id} />
      <div className="card">
        <h2>Invite people</h2>
        <form onSubmit={createInvite} className="row">
          <label>Uses <input className="input" style={{ width: '7rem' }} type="number" min={1} max={1000} placeholder="25" value={maxUses} onChange={(e) => setMaxUses(e.target.value)} aria-label="Maximum uses" /></label>
          <label>Valid for (hours) <input className="input" style={{ width: '7rem' }} type="number" min={1} max={720} value={hours} onChange={(e) => setHours(e.target.value)} aria-label="Valid for hours" /></label>
          <button className="btn primary" type="submit">Create invite link</button>
        </form>
        {invite && (
          <div style={{ marginTop: '0.75rem' }}>
            <div className="code" data-testid="invite-link">{link}</div>
            <div className="row" style={{ marginTop: '0.4rem' }}>
              <button className="btn small" onClick={() => navigator.clipboard?.writeText(link).then(() => toast('Link copied.', 'info'), () => toast('Copy failed; select the link and copy it.'))}>Copy link</button>
              <span className="hint">Up to {invite.max_uses} people · expires {dateTime(invite.expires_at)}</span>
            </div>
          </div>
        )}
        <h3>Active invite links</h3>
        <InviteList ws={ws} members={members} version={invitesVersion} />
      </div>
      <div className="card">
        <h2>Members ({members.length})</h2>
        <ul className="list">
          {members.map((m) => (
            <li key={m.user.id}>
              <Avatar id={m.user.id} name={m.user.display_name} showPresence />
              <span className="grow">
                {m.user.display_name}{m.user.id === me ? ' (you)' : ''} <span className="hint">@{m.user.username} · {m.user.email ? `${m.user.email} · ` : ''}{online[m.user.id] ? 'online' : 'offline'}</span>
              </span>
              <select
                className="input"
                style={{ width: 'auto' }}
                value={m.role}
                aria-label={`Role of ${m.user.display_name}`}
                disabled={m.role === 'owner' && workspace.role !== 'owner'}
                onChange={(e) =>
                  void api.setMemberRole(ws, m.user.id, e.target.value).then(
                    () => actions.loadWorkspaceMembers(ws),
                    (err) => actions.report(err, 'Could not change the role'),
                  )
                }
              >
                {roles.filter((r) => r !== 'owner' || workspace.role === 'owner').map((r) => <option key={r} value={r}>{r}</option>)}
              </select>
              {m.user.id !== me && (
                <button
                  className="btn small danger"
                  onClick={() => {
                    if (confirm(`Remove ${m.user.display_name} from ${workspace.name}?`)) {
                      void api.removeMember(ws, m.user.id).then(() => actions.loadWorkspaceMembers(ws), (err) => actions.report(err, 'Could not remove the member'));
                    }
                  }}
                >
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      </div>
      {workspace.role === 'owner' && (
        <div className="card">
          <h2>Danger zone</h2>
          <button className="btn danger" onClick={() => setConfirmDelete(true)}>Delete workspace</button>
        </div>
      )}
      {confirmDelete && (
        <Dialog title="Delete workspace" onClose={() => setConfirmDelete(false)}>
          <h2>Delete {workspace.name}?</h2>
          <p>Every chat and message in it is deleted for everyone. This cannot be undone.</p>
          <div className="dialog-actions">
            <button className="btn" onClick={() => setConfirmDelete(false)}>Cancel</button>
            <button
              className="btn danger"
              onClick={() =>
                void api.deleteWorkspace(ws).then(
                  () => {
                    setConfirmDelete(false);
                    navigate({ name: 'home' });
                    void actions.loadWorkspaces();
                  },
                  (err) => actions.report(err, 'Could not delete the workspace'),
                )
              }
            >
              Delete
            </button>
          </div>
        </Dialog>
      )}
      <WorkspaceTwoFactorPolicy ws={ws} />
    </PageShell>
  );
}

export function SettingsPage() {
  const user = useStore(session, (s) => s.user);
  const theme = useStore(ui, (s) => s.theme);
  const [display, setDisplay] = useState(user?.display_name ?? '');
  const [username, setUsername] = useState(user?.username ?? '');
  const [cur, setCur] = useState('');
  const [next, setNext] = useState('');
  const [pwError, setPwError] = useState<string | null>(null);
  const [profileError, setProfileError] = useState<string | null>(null);
  const [sessions, setSessions] = useState<SessionInfo[] | null>(null);
  const loadSessions = () => api.sessions().then(setSessions, (e) => actions.report(e, 'Could not load your sessions'));
  useEffect(() => {
    void loadSessions();
  }, []);
  if (!user) return null;
  const saveProfile = async (e: FormEvent) => {
    e.preventDefault();
    setProfileError(null);
    try {
      const u = await api.updateMe({ display_name: display.trim(), username: username.trim() });
      actions.updateUser(u);
      toast('Profile saved.', 'info');
    } catch (err) {
      setProfileError(describe(err));
    }
  };
  const changePw = async (e: FormEvent) => {
    e.preventDefault();
    setPwError(null);
    try {
      await api.changePassword(cur, next);
      setCur('');
      setNext('');
      toast('Password changed. Your other sessions were signed out.', 'info');
      void loadSessions();
    } catch (err) {
      setPwError(describe(err));
    }
  };
  const setTheme = (t: 'system' | 'light' | 'dark') => {
    ui.set((s) => ({ ...s, theme: t }));
    try {
      if (t === 'system') localStorage.removeItem('fechatter.theme');
      else localStorage.setItem('fechatter.theme', t);
    } catch {
      // the choice lasts for this visit only
    }
  };
  return (
    <PageShell title="Settings">
      <PushSettings />
      <div className="card">
        <h2>Profile</h2>
        <form onSubmit={saveProfile}>
          {profileError && <div className="form-error" role="alert">{profileError}</div>}
          <label className="field"><span>Name</span><input className="input" value={display} onChange={(e) => setDisplay(e.target.value)} autoComplete="name" /></label>
          <label className="field"><span>Username</span><input className="input" value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" /></label>
          <p className="hint">Email: {user.email}</p>
          <button className="btn primary" type="submit">Save profile</button>
        </form>
      </div>
      <ProfileSettings />
      <EmailSettings />
      <div className="card">
        <h2>Appearance</h2>
        <div className="row" role="radiogroup" aria-label="Theme">
          {(['system', 'light', 'dark'] as const).map((t) => (
            <button key={t} className="choice" role="radio" aria-checked={theme === t} onClick={() => setTheme(t)}>
              {t === 'system' ? 'Match system' : t === 'light' ? 'Light' : 'Dark'}
            </button>
          ))}
        </div>
      </div>
      <LanguageSettings />
      <NotificationSettingsCard />
      <div className="card">
        <h2>Password</h2>
        <form onSubmit={changePw}>
          {pwError && <div className="form-error" role="alert">{pwError}</div>}
          <label className="field"><span>Current password</span><input className="input" type="password" value={cur} onChange={(e) => setCur(e.target.value)} autoComplete="current-password" /></label>
          <label className="field"><span>New password</span><input className="input" type="password" value={next} onChange={(e) => setNext(e.target.value)} autoComplete="new-password" /></label>
          <button className="btn primary" type="submit" disabled={!cur || next.length < 8}>Change password</button>
        </form>
      </div>
      <TwoFactorSettings />
      <div className="card">
        <h2>Sessions</h2>
        {sessions === null ? <p aria-busy="true">Loading…</p> : (
          <ul className="list">
            {sessions.map((s) => (
              <li key={s.id}>
                <span className="grow">
                  {s.user_agent || 'Unknown device'}{s.current ? ' (this device)' : ''}
                  <div className="hint">{s.ip} · last used {dateTime(s.last_used_at)}</div>
                </span>
                <button className="btn small danger" onClick={() => void api.endSession(s.id).then(loadSessions, (e) => actions.report(e, 'Could not end the session'))}>End</button>
              </li>
            ))}
          </ul>
        )}
        <div className="row" style={{ marginTop: '0.75rem' }}>
          <button className="btn" onClick={() => void actions.signOut()}>Sign out</button>
          <button className="btn danger" onClick={() => void actions.signOut(true)}>Sign out everywhere</button>
        </div>
      </div>
    </PageShell>
  );
}
