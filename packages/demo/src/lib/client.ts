/**
 * @module The demo's HTTP client: one keep-alive agent, JSON in and out, failures returned as statuses.
 */
import http from 'node:http';

/**
 * The shared keep-alive agent. `maxSockets: Infinity` on purpose: the "before" strategies must be free to open a
 * thousand connections, or the agent itself would be a hidden concurrency limit and hide the crash.
 */
export const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

/** The outcome of one call. Network failures are `status: 0` with `error` set to the error code. */
export interface Reply<T = unknown> {
  status: number;
  body: T | undefined;
  headers: http.IncomingHttpHeaders;
  error?: string;
}

/** Options of {@link call}. */
export interface CallOptions {
  method?: string;
  body?: unknown;
  /** Aborting rejects with `signal.reason` and destroys the request (the server sees the client leave). */
  signal?: AbortSignal;
}

/**
 * Makes one HTTP request and reads the whole JSON reply.
 *
 * Resolves for every HTTP status and for network errors (status 0), so strategies can count failures by kind;
 * rejects only when `signal` aborts, with its reason, leaving no listener on it.
 * @param url - an absolute `http://` URL.
 * @param options - method, JSON body, signal.
 * @returns the reply.
 * @example
 * ```ts
 * const { status } = await call(`${api.url}/deployments/1`, { method: 'POST' });
 * ```
 */
export function call<T = unknown>(url: string, options: CallOptions = {}): Promise<Reply<T>> {
  const { method = 'GET', body, signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(url, {
      method,
      agent,
      headers:
        payload === undefined
          ? {}
          : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    });
    const onAbort = (): void => {
      req.destroy();
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (reply: Reply<T>): void => {
      signal?.removeEventListener('abort', onAbort);
      resolve(reply);
    };
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (signal?.aborted) return;
      settle({ status: 0, body: undefined, headers: {}, error: error.code ?? error.message });
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('error', () => undefined);
      res.on('end', () => {
        let parsed: T | undefined;
        try {
          parsed = text === '' ? undefined : (JSON.parse(text) as T);
        } catch {
          parsed = undefined;
        }
        settle({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
      });
    });
    req.end(payload);
  });
}
