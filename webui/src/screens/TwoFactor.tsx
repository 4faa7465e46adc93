// Single sign-on buttons, the second step of a sign-in, and the 2FA
// settings card (docs/sso.md, docs/two-factor.md).
import { useEffect, useState, type FormEvent } from 'react';
import { describe } from '../api/errors';
import * as tf from '../api/twofactor';
import type { SecondStep, SSOProvider, TOTPEnrolment, TwoFactorStatus } from '../api/twofactor';
import * as actions from '../app/actions';
import { toast } from '../stores';

/** ssoErrors says in words why a single sign-on was refused (the
 * callback's ?sso_error=). */
const ssoErrors: Record<string, string> = {
  state: 'The sign-in took too long or was started elsewhere. Please try again.',
  nonce: 'The identity provider’s answer could not be checked. Please try again.',
  email_unverified: 'Your identity provider did not confirm your email address.',
  domain_not_allowed: 'Accounts of your email domain may not sign in here.',
  no_account: 'There is no account for your email here. Ask a workspace admin for an invite, then sign in.',
  disabled: 'This account is disabled; ask an administrator to enable it.',
  provider_denied: 'The identity provider did not let you sign in.',
};

/** SSOButtons shows a "Sign in with …" button per provider, and the
 * reason of a refused single sign-on. */
export function SSOButtons({ onSSOOnly }: { onSSOOnly?: (on: boolean) => void }) {
  const [providers, setProviders] = useState<SSOProvider[]>([]);
  const reason = typeof location === 'undefined' ? null : new URLSearchParams(location.search).get('sso_error');
  useEffect(() => {
    tf.ssoProviders().then(
      (r) => {
        setProviders(r.providers);
        onSSOOnly?.(r.sso_only);
      },
      () => setProviders([]),
    );
  }, [onSSOOnly]);
  if (providers.length === 0 && !reason) return null;
  return (
    <div className="sso">
      {reason && <div className="form-error" role="alert">Single sign-on failed: {ssoErrors[reason] ?? reason}</div>}
      {providers.map((p) => (
        <a key={p.id} className="btn sso-button" href={tf.ssoStartURL(p.id)}>
          Sign in with {p.name}
        </a>
      ))}
    </div>
  );
}

/** RecoveryCodes shows the ten codes once, to be saved. */
function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <div>
      <p>Save these recovery codes somewhere safe. Each one signs you in once if you lose your authenticator. They are not shown again.</p>
      <ul className="recovery-codes" aria-label="Recovery codes">
        {codes.map((c) => <li key={c}><code>{c}</code></li>)}
      </ul>
      <button className="btn primary" type="button" onClick={onDone}>I have saved them</button>
    </div>
  );
}

/** Enrolment shows the QR code and secret, and confirms with a code. */
function Enrolment({ e, confirm }: { e: TOTPEnrolment; confirm: (code: string) => Promise<void> }) {
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await confirm(code.trim());
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit}>
      <p>Scan this QR code with an authenticator app, then type the 6-digit code it shows.</p>
      <img className="totp-qr" src={e.qr_code} alt="QR code of your two-factor secret" width={200} height={200} />
      <p className="hint">Cannot scan? Type this secret into the app: <code data-testid="totp-secret">{e.secret}</code></p>
      {error && <div className="form-error" role="alert">{error}</div>}
      <label className="field">
        <span>Code from the app</span>
        <input className="input" name="totp_code" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(x) => setCode(x.target.value)} required />
      </label>
      <button className="btn primary" type="submit" disabled={busy || code.trim().length < 6}>Turn on two-factor authentication</button>
    </form>
  );
}

/** TwoFactorStep finishes a sign-in after the password: a code (or a
 * recovery code), or, when an administrator requires 2FA and the account
 * has none, the enrolment. */
export function TwoFactorStep({ step, onCancel }: { step: SecondStep; onCancel: () => void }) {
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [enrolment, setEnrolment] = useState<TOTPEnrolment | null>(null);
  const [codes, setCodes] = useState<{ codes: string[]; user: Parameters<typeof actions.signedIn>[0] } | null>(null);
  useEffect(() => {
    if (step.required_action === 'enrol') tf.enrolWithToken(step.token).then(setEnrolment, (e) => setError(describe(e)));
  }, [step]);
  if (codes) return <RecoveryCodes codes={codes.codes} onDone={() => void actions.signedIn(codes.user)} />;
  if (step.required_action === 'enrol') {
    return (
      <div>
        <p role="status">An administrator requires two-factor authentication for your account. Set it up to continue.</p>
        {error && <div className="form-error" role="alert">{error}</div>}
        {enrolment && (
          <Enrolment e={enrolment} confirm={async (c) => {
            const r = await tf.confirmWithToken(step.token, c);
            setCodes({ codes: r.recovery_codes, user: r.user });
          }} />
        )}
        <button className="btn" type="button" onClick={onCancel}>Back</button>
      </div>
    );
  }
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const s = await tf.secondStep(step.token, recovery ? { recovery_code: code.trim() } : { code: code.trim() });
      await actions.signedIn(s.user);
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} noValidate>
      {error && <div className="form-error" role="alert">{error}</div>}
      <label className="field">
        <span>{recovery ? 'Recovery code' : 'Code from your authenticator app'}</span>
        <input className="input" name={recovery ? 'recovery_code' : 'totp_code'} inputMode={recovery ? 'text' : 'numeric'}
          autoComplete="one-time-code" autoFocus value={code} onChange={(e) => setCode(e.target.value)} required />
      </label>
      <button className="btn primary" type="submit" disabled={busy || code.trim() === ''}>{busy ? 'Checking…' : 'Verify'}</button>
      <p>
        <button className="btn small" type="button" onClick={() => { setRecovery(!recovery); setCode(''); }}>
          {recovery ? 'Use the authenticator app' : 'Use a recovery code'}
        </button>{' '}
        <button className="btn small" type="button" onClick={onCancel}>Back</button>
      </p>
    </form>
  );
}

/** TwoFactorSettings is the settings card: turn 2FA on (QR code, then
 * recovery codes) or off (password and a code). */
export function TwoFactorSettings() {
  const [status, setStatus] = useState<TwoFactorStatus | null>(null);
  const [enrolment, setEnrolment] = useState<TOTPEnrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const load = () => tf.twoFactorStatus().then(setStatus, (e) => setError(describe(e)));
  useEffect(() => {
    void load();
  }, []);
  const start = () => {
    setError(null);
    tf.beginTOTP().then(setEnrolment, (e) => setError(describe(e)));
  };
  const disable = async (ev: FormEvent) => {
    ev.preventDefault();
    setError(null);
    try {
      await tf.disableTOTP(password, code);
      setPassword('');
      setCode('');
      toast('Two-factor authentication is off.', 'info');
      void load();
    } catch (err) {
      setError(describe(err));
    }
  };
  return (
    <div className="card">
      <h2>Two-factor authentication</h2>
      {error && <div className="form-error" role="alert">{error}</div>}
      {status === null ? <p aria-busy="true">Loading…</p> : codes ? (
        <RecoveryCodes codes={codes} onDone={() => { setCodes(null); void load(); }} />
      ) : enrolment ? (
        <Enrolment e={enrolment} confirm={async (c) => {
          setCodes(await tf.confirmTOTP(c));
          setEnrolment(null);
        }} />
      ) : status.totp_enabled ? (
        <form onSubmit={disable}>
          <p role="status">On. {status.recovery_codes_left} recovery codes left.{status.required ? ' An administrator requires it, so it cannot be turned off.' : ''}</p>
          {!status.required && (
            <>
              <label className="field"><span>Password</span><input className="input" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" /></label>
              <label className="field"><span>Code or recovery code</span><input className="input" value={code} onChange={(e) => setCode(e.target.value)} autoComplete="one-time-code" /></label>
              <button className="btn danger" type="submit" disabled={!password || !code}>Turn off</button>
            </>
          )}
        </form>
      ) : (
        <>
          <p role="status">Off. {status.required ? 'An administrator requires it: turn it on now.' : 'Protect your account with a code from an authenticator app.'}</p>
          <button className="btn primary" type="button" onClick={start}>Set up an authenticator app</button>
        </>
      )}
    </div>
  );
}

/** WorkspaceTwoFactorPolicy lets workspace admins require 2FA of the
 * members; those without it must set it up at their next sign-in. */
export function WorkspaceTwoFactorPolicy({ ws }: { ws: number }) {
  const [required, setRequired] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    tf.workspacePolicy(ws).then((r) => setRequired(r.required), (e) => setError(describe(e)));
  }, [ws]);
  const toggle = async () => {
    setError(null);
    try {
      setRequired((await tf.setWorkspacePolicy(ws, !required)).required);
    } catch (err) {
      setError(describe(err));
    }
  };
  return (
    <div className="card">
      <h2>Two-factor authentication</h2>
      {error && <div className="form-error" role="alert">{error}</div>}
      <label className="field-inline">
        <input type="checkbox" checked={!!required} disabled={required === null} onChange={() => void toggle()} />{' '}
        Require two-factor authentication of every member (members without it set it up at their next sign-in)
      </label>
    </div>
  );
}
