import type { ApiErrorBody } from './types';

/** ApiError is every failure the client reports: an API error body, a
 * network failure, or a response that is not what the contract says. Its
 * message is always fit to show a person. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string>;
  readonly requestId: string | undefined;

  constructor(status: number, code: string, message: string, fields: Record<string, string> = {}, requestId?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.requestId = requestId;
  }

  /** isNetwork is true when the server could not be reached at all. */
  get isNetwork(): boolean {
    return this.code === 'network';
  }

  /** isRetryable says whether sending the same request later may succeed. */
  get isRetryable(): boolean {
    return this.isNetwork || this.status === 429 || this.status === 503 || this.status >= 500 || this.status === 0;
  }
}

export function networkError(): ApiError {
  return new ApiError(0, 'network', "Can't reach the server. Check your connection; we'll keep trying.");
}

const fallbackByStatus: Record<number, string> = {
  400: 'The request was not accepted.',
  401: 'Your session has ended. Please sign in again.',
  403: "You don't have permission to do that.",
  404: 'That no longer exists, or you no longer have access to it.',
  409: 'That conflicts with something that already exists.',
  413: 'That file is too large.',
  415: 'That type of content is not supported.',
  429: 'Too many requests. Please wait a moment and try again.',
  503: 'The server is not ready yet. Please try again shortly.',
};

/** errorFromResponse turns a non-2xx response into an ApiError, using the
 * API's error.message when the body has one. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  let body: unknown = undefined;
  try {
    body = await res.json();
  } catch {
    // Not JSON (a proxy page, an empty body): fall back to the status.
  }
  const err = (body as Partial<ApiErrorBody> | undefined)?.error;
  if (err && typeof err.message === 'string' && err.message !== '') {
    return new ApiError(res.status, err.code ?? 'error', err.message, err.fields ?? {}, err.request_id);
  }
  const msg = fallbackByStatus[res.status] ?? (res.status >= 500 ? 'The server had a problem. Please try again.' : `Request failed (${res.status}).`);
  return new ApiError(res.status, res.status >= 500 ? 'server_error' : 'error', msg);
}

/** describe returns words for any thrown value. */
export function describe(e: unknown): string {
  if (e instanceof ApiError) {
    const fields = Object.entries(e.fields);
    if (fields.length > 0 && e.code === 'invalid_request') {
      return `${e.message}: ${fields.map(([k, v]) => `${k.replace(/_/g, ' ')} ${v}`).join('; ')}`;
    }
    return e.message;
  }
  if (e instanceof Error) return e.message;
  return String(e);
}
