// Forgot password, the reset page a mailed link opens, email change
// confirmation, and the email card of the settings page.
import { useEffect, useState, type FormEvent } from 'react';
import { describe } from '../api/errors';
import * as mailApi from '../api/mail';
import * as actions from '../app/actions';
import { navigate } from '../router';
import { session, toast } from '../stores';
import { useStore } from '../stores/store';
import { Card, Field, useForm } from './Auth';

/** ForgotPasswordScreen asks for a reset link by email, or says to ask an
 * administrator when the server cannot send mail. */
export function ForgotPasswordScreen() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState<string | null>(null);
  const [mail, setMail] = useState<boolean | null>(null);
  const f = useForm();
  useEffect(() => {
    mailApi.mailEnabled().then(setMail, () => setMail(true));
  }, []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void f.run(async () => {
      const r = await mailApi.requestPasswordReset(email.trim());
      setSent(r.message);
    });
  };
  const back = (
    <p className="hint">
      <a href="/signin" onClick={(e) => { e.preventDefault(); navigate({ name: 'signin' }); }}>Back to sign in</a>
    </p>
  );
  if (mail === false) {
    return (
      <Card title="Forgot password">
        <p>This server cannot send email. Ask an instance administrator for a password-reset link.</p>
        {back}
      </Card>
    );
  }
  return (
    <Card title="Forgot password">
      {sent ? <p role="status">{sent}</p> : (
        <form onSubmit={submit} noValidate>
          {f.error && <div className="form-error" role="alert">{f.error}</div>}
          <Field label="Email" name="email" type="email" value={email} onChange={setEmail} error={f.fields.email} autoComplete="email" autoFocus />
          <button className="btn primary" type="submit" disabled={f.busy || !email.trim()}>{f.busy ? 'Sending…' : 'Send reset link'}</button>
        </form>
      )}
      {back}
    </Card>
  );
}

/** ResetPasswordScreen sets a new password with the token of a reset link. */
export function ResetPasswordScreen({ token }: { token: string }) {
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const f = useForm();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void f.run(async () => {
      await mailApi.confirmPasswordReset(token, password);
      setDone(true);
    });
  };
  if (done) {
    return (
      <Card title="Password changed">
        <p role="status">Your password is changed and every session of your account has ended.</p>
        <button className="btn primary" onClick={() => location.assign('/signin')}>Sign in</button>
      </Card>
    );
  }
  return (
    <Card title="Choose a new password">
      <form onSubmit={submit} noValidate>
        {(f.error || f.fields.token) && <div className="form-error" role="alert">{f.fields.token ? 'This link is invalid, already used or expired. Ask for a new one.' : f.error}</div>}
        <Field label="New password" name="password" type="password" value={password} onChange={setPassword} error={f.fields.password} autoComplete="new-password" autoFocus hint="At least 8 characters." />
        <button className="btn primary" type="submit" disabled={f.busy || password.length < 8 || !token}>{f.busy ? 'Saving…' : 'Set password'}</button>
      </form>
      <p className="hint">
        <a href="/forgot-password" onClick={(e) => { e.preventDefault(); navigate({ name: 'forgotPassword' }); }}>Ask for a new link</a>
      </p>
    </Card>
  );
}

/** ConfirmEmailScreen moves the signed-in account to the new address of
 * an email-change link. */
export function ConfirmEmailScreen({ token }: { token: string }) {
  const [state, setState] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    mailApi.confirmEmailChange(token).then(
      (u) => {
        actions.updateUser(u);
        setState({ ok: true, text: `Your email address is now ${u.email}.` });
      },
      (e) => setState({ ok: false, text: describe(e) }),
    );
  }, [token]);
  return (
    <Card title="Confirm email address">
      {state === null ? <p aria-busy="true">Confirming…</p> : <p role={state.ok ? 'status' : 'alert'}>{state.text}</p>}
      <button className="btn" onClick={() => navigate({ name: 'home' })}>Go to Fechatter</button>
    </Card>
  );
}

/** EmailSettings is the settings card for the email address and the
 * email digest. */
export function EmailSettings() {
  const user = useStore(session, (s) => s.user);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [digest, setDigest] = useState<mailApi.EmailDigest | null>(null);
  useEffect(() => {
    mailApi.emailDigest().then(setDigest, () => setDigest(null));
  }, []);
  if (!user) return null;
  const change = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const r = await mailApi.requestEmailChange(email.trim(), password);
      setEmail('');
      setPassword('');
      toast(r.message, 'info');
    } catch (err) {
      setError(describe(err));
    }
  };
  const toggle = async (on: boolean) => {
    try {
      setDigest(await mailApi.setEmailDigest(on));
    } catch (err) {
      actions.report(err, 'Could not save the email digest setting');
    }
  };
  return (
    <div className="card">
      <h2>Email</h2>
      <form onSubmit={change}>
        {error && <div className="form-error" role="alert">{error}</div>}
        <p className="hint">Current address: {user.email}. A new one takes effect when you open the link mailed to it.</p>
        <label className="field"><span>New email address</span><input className="input" type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="email" /></label>
        <label className="field"><span>Password</span><input className="input" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" /></label>
        <button className="btn primary" type="submit" disabled={!email.trim() || !password}>Change email</button>
      </form>
      {digest && (
        <label className="field">
          <span>
            <input type="checkbox" checked={digest.enabled} onChange={(e) => void toggle(e.target.checked)} />{' '}
            Email me unread direct messages and mentions while I am away
          </span>
          {!digest.active && <span className="hint">This server does not send email digests right now.</span>}
        </label>
      )}
    </div>
  );
}
