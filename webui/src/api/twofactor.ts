// Single sign-on and two-factor authentication endpoints (docs/sso.md,
// docs/two-factor.md).
import { api } from './client';
import { endpoints } from './endpoints';
import type { Session } from './types';

/** SecondStep is what a good password gets when the account has 2FA
 * (required_action "code") or must enrol it first ("enrol"). */
export interface SecondStep {
  token: string;
  expires_in: number;
  required_action: 'code' | 'enrol';
  methods: string[];
}

export interface TOTPEnrolment {
  secret: string;
  otpauth_url: string;
  /** qr_code is a data:image/png URL made by the server. */
  qr_code: string;
}

export interface TwoFactorStatus {
  totp_enabled: boolean;
  recovery_codes_left: number;
  required: boolean;
}

export interface SSOProvider {
  id: string;
  name: string;
}

export const ssoProviders = () => api.call<{ providers: SSOProvider[]; sso_only: boolean }>(endpoints.ssoProviders);

/** ssoStartURL is where a "Sign in with ..." button goes (a full page
 * navigation: the provider's login page follows). */
export const ssoStartURL = (id: string) => api.url(endpoints.ssoStart, { params: { provider: id } });

export const secondStep = async (token: string, code: { code?: string; recovery_code?: string }) =>
  api.adopt(await api.call<Session>(endpoints.secondStep, { body: { token, ...code } }));

export const enrolWithToken = (token: string) => api.call<TOTPEnrolment>(endpoints.enrolWithToken, { body: { token } });

export const confirmWithToken = async (token: string, code: string) => {
  const r = await api.call<Session & { recovery_codes: string[] }>(endpoints.confirmWithToken, { body: { token, code } });
  api.adopt(r);
  return r;
};

export const twoFactorStatus = () => api.call<TwoFactorStatus>(endpoints.twoFactor);
export const beginTOTP = () => api.call<TOTPEnrolment>(endpoints.beginTOTP);
export const confirmTOTP = (code: string) => api.call<{ recovery_codes: string[] }>(endpoints.confirmTOTP, { body: { code } }).then((r) => r.recovery_codes);
export const disableTOTP = (password: string, code: string) =>
  api.call<void>(endpoints.disableTOTP, { body: /^\d{6}$/.test(code.trim()) ? { password, code: code.trim() } : { password, recovery_code: code.trim() } });
export const workspacePolicy = (ws: number) => api.call<{ required: boolean }>(endpoints.workspaceTwoFactor, { params: { ws } });
export const setWorkspacePolicy = (ws: number, required: boolean) =>
  api.call<{ required: boolean }>(endpoints.setWorkspaceTwoFactor, { params: { ws }, body: { required } });
