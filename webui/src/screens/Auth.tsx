import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api/client';
import { ApiError, describe } from '../api/errors';
import * as actions from '../app/actions';
import { FieldError } from '../components/common';
import { navigate, useRoute } from '../router';
import { session } from '../stores';
import { useStore } from '../stores/store';
import type { SecondStep } from '../api/twofactor';
import { SSOButtons, TwoFactorStep } from './TwoFactor';

export function useForm() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  async function run(fn: () => Promise<void>) {
    setBusy(true);
    setError(null);
    setFields({});
    try {
      await fn();
    } catch (e) {
      if (e instanceof ApiError && Object.keys(e.fields).length > 0) {
        setFields(e.fields);
        setError('Please correct the highlighted fields.');
      } else {
        setError(describe(e));
      }
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, fields, run };
}

export function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="auth">
      <div className="auth-card">
        <div className="brand">
          <img src="/icon.svg" alt="" width={36} height={36} />
          Fechatter
        </div>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

export function Field(props: { label: string; name: string; type?: string; value: string; onChange: (v: string) => void; error?: string | undefined; autoComplete?: string; autoFocus?: boolean; hint?: string }) {
  const id = `f-${props.name}`;
  return (
    <label className="field" htmlFor={id}>
      <span>{props.label}</span>
      <input
        id={id}
        className="input"
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        autoComplete={props.autoComplete}
        autoFocus={props.autoFocus}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${id}-err` : undefined}
        required
      />
      {props.hint && <span className="hint">{props.hint}</span>}
      <div id={`${id}-err`}>
        <FieldError text={props.error} />
      </div>
    </label>
  );
}

function AccountFields({ v, set, fields }: { v: Record<string, string>; set: (k: string, x: string) => void; fields: Record<string, string> }) {
  return (
    <>
      <Field label="Your name" name="display_name" value={v.display_name ?? ''} onChange={(x) => set('display_name', x)} error={fields.display_name} autoComplete="name" autoFocus />
      <Field label="Username" name="username" value={v.username ?? ''} onChange={(x) => set('username', x)} error={fields.username} autoComplete="username" hint="Others mention you with @username." />
      <Field label="Email" name="email" type="email" value={v.email ?? ''} onChange={(x) => set('email', x)} error={fields.email} autoComplete="email" />
      <Field label="Password" name="password" type="password" value={v.password ?? ''} onChange={(x) => set('password', x)} error={fields.password} autoComplete="new-password" hint="At least 8 characters." />
    </>
  );
}

/** SetupScreen creates the first account. It needs the setup token the
 * server printed at start: taken from the link's ?token=, or typed in. */
export function SetupScreen() {
  const r = useRoute();
  const linkToken = r.name === 'setup' ? (r.token ?? '') : '';
  const [v, setV] = useState<Record<string, string>>({ workspace_name: '', setup_token: linkToken });
  const f = useForm();
  const set = (k: string, x: string) => setV((o) => ({ ...o, [k]: x }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void f.run(async () => {
      await actions.setup({
        email: v.email ?? '', password: v.password ?? '', username: v.username ?? '',
        display_name: v.display_name ?? '', workspace_name: v.workspace_name ?? '',
        setup_token: (v.setup_token ?? '').trim(),
      });
    });
  };
  return (
    <Card title="Set up Fechatter">
      <p className="hint">Create the first account. It becomes the administrator of this server and owns your first workspace.</p>
      <form onSubmit={submit} noValidate>
        {f.error && <div className="form-error" role="alert">{f.error}</div>}
        <AccountFields v={v} set={set} fields={f.fields} />
        <Field label="Workspace name" name="workspace_name" value={v.workspace_name ?? ''} onChange={(x) => set('workspace_name', x)} error={f.fields.workspace_name} />
        <Field
          label="Setup token"
          name="setup_token"
          value={v.setup_token ?? ''}
          onChange={(x) => set('setup_token', x)}
          error={f.fields.setup_token}
          autoComplete="off"
          hint={linkToken ? 'Taken from your setup link.' : 'Open the setup link the server printed when it started, or copy the token from setup.token in its data directory.'}
        />
        <button className="btn primary" type="submit" disabled={f.busy}>{f.busy ? 'Creating…' : 'Create account and workspace'}</button>
      </form>
    </Card>
  );
}

export function SignInScreen() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [step, setStep] = useState<SecondStep | null>(null);
  const bootError = useStore(session, (s) => s.bootError);
  const f = useForm();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void f.run(async () => {
      setStep(await actions.signIn(email, password));
    });
  };
  if (step) return <Card title="Two-factor authentication"><TwoFactorStep step={step} onCancel={() => { setStep(null); setPassword(''); }} /></Card>;
  return (
    <Card title="Sign in">
      <form onSubmit={submit} noValidate>
        {(f.error ?? bootError) && <div className="form-error" role="alert">{f.error ?? bootError}</div>}
        <Field label="Email" name="email" type="email" value={email} onChange={setEmail} error={f.fields.email} autoComplete="email" autoFocus />
        <Field label="Password" name="password" type="password" value={password} onChange={setPassword} error={f.fields.password} autoComplete="current-password" />
        <button className="btn primary" type="submit" disabled={f.busy}>{f.busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
      <SSOButtons />
      <p className="hint"><a href="/forgot-password" onClick={(e) => { e.preventDefault(); navigate({ name: 'forgotPassword' }); }}>Forgot password?</a></p>
      <p className="hint">New here? Ask a workspace admin for an invite link.</p>
    </Card>
  );
}

/** InviteScreen signs a person up with an invite link, or lets someone
 * already signed in accept it. */
export function InviteScreen({ code }: { code: string }) {
  const [ws, setWs] = useState<{ id: number; name: string } | null>(null);
  const [lookupError, setLookupError] = useState<string | null>(null);
  const status = useStore(session, (s) => s.status);
  const [v, setV] = useState<Record<string, string>>({});
  const f = useForm();
  useEffect(() => {
    api.invite(code).then((r) => setWs(r.workspace), (e) => setLookupError(describe(e)));
  }, [code]);
  const set = (k: string, x: string) => setV((o) => ({ ...o, [k]: x }));
  if (lookupError) {
    return (
      <Card title="Invite link">
        <div className="form-error" role="alert">This invite link cannot be used: {lookupError}</div>
        <button className="btn" onClick={() => navigate({ name: 'home' })}>Go to Fechatter</button>
      </Card>
    );
  }
  if (!ws) return <Card title="Invite link"><p aria-busy="true">Looking up the invite…</p></Card>;
  if (status === 'signedIn') {
    return (
      <Card title={`Join ${ws.name}`}>
        {f.error && <div className="form-error" role="alert">{f.error}</div>}
        <button
          className="btn primary"
          disabled={f.busy}
          onClick={() =>
            void f.run(async () => {
              const w = await api.acceptInvite(code);
              await actions.loadWorkspaces();
              await actions.selectWorkspace(w.id, true);
            })
          }
        >
          Join workspace
        </button>
      </Card>
    );
  }
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void f.run(async () => {
      await actions.signUp({ email: v.email ?? '', password: v.password ?? '', username: v.username ?? '', display_name: v.display_name ?? '', invite_code: code });
      navigate({ name: 'workspace', ws: ws.id }, true);
      await actions.selectWorkspace(ws.id, true);
    });
  };
  return (
    <Card title={`Join ${ws.name}`}>
      <p className="hint">You were invited to the workspace “{ws.name}”. Create your account to join.</p>
      <form onSubmit={submit} noValidate>
        {f.error && <div className="form-error" role="alert">{f.error}</div>}
        <AccountFields v={v} set={set} fields={f.fields} />
        <button className="btn primary" type="submit" disabled={f.busy}>{f.busy ? 'Joining…' : 'Create account and join'}</button>
      </form>
      <p className="hint">
        Already have an account? <a href="/signin" onClick={(e) => { e.preventDefault(); navigate({ name: 'signin' }); }}>Sign in</a>, then open this link again.
      </p>
    </Card>
  );
}
