// Password reset, email change and the email digest setting (docs/email.md).
import { api } from './client';
import { endpoints } from './endpoints';
import type { User } from './types';

/** mailEnabled says whether the server can send mail (GET /api/setup). */
export const mailEnabled = () =>
  api.call<{ needed: boolean; mail_enabled?: boolean }>(endpoints.setupStatus).then((r) => r.mail_enabled === true);

/** requestPasswordReset asks for a reset link; the answer never says whether the address has an account. */
export const requestPasswordReset = (email: string) =>
  api.call<{ message: string }>(endpoints.passwordReset, { body: { email } });

export const confirmPasswordReset = (token: string, password: string) =>
  api.call<void>(endpoints.passwordResetConfirm, { body: { token, password } });

export const requestEmailChange = (email: string, password: string) =>
  api.call<{ message: string }>(endpoints.changeEmail, { body: { email, password } });

export const confirmEmailChange = (token: string) => api.call<User>(endpoints.confirmEmail, { body: { token } });

export interface EmailDigest {
  enabled: boolean;
  active: boolean;
}

export const emailDigest = () => api.call<EmailDigest>(endpoints.emailDigest);

export const setEmailDigest = (enabled: boolean) => api.call<EmailDigest>(endpoints.setEmailDigest, { body: { enabled } });
