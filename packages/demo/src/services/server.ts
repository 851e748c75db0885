/**
 * @module Shared plumbing for the demo's loopback services: start on 127.0.0.1 port 0, count in-flight requests.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running loopback service. */
export interface Running {
  /** `http://127.0.0.1:<port>` with the random port the kernel gave us. */
  readonly url: string;
  readonly server: http.Server;
  /** Stops accepting, drops every connection (the demo's clients are done by then) and resolves when closed. */
  close(): Promise<void>;
}

/**
 * Starts `handler` on a random loopback port.
 *
 * Keep-alive connections are closed on `close()`, so a finished section never keeps the process alive.
 * @param handler - the request listener; a thrown error or rejected promise answers 500.
 * @returns the running service.
 * @example
 * ```ts
 * const svc = await listen((req, res) => res.end('ok'));
 * await svc.close();
 * ```
 */
export async function listen(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>,
): Promise<Running> {
  const server = http.createServer((req, res) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: String(error) });
        else res.destroy();
      });
  });
  // The demo fires 1,000 requests at once on purpose; the default backlog (511) would turn that into SYN retries
  // (a 1 s stall) instead of the 503s the capacity model promises.
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Writes a JSON body with `content-type` and `content-length`, and ends the response.
 * @param res - the response; its headers must not have been sent.
 * @param status - the HTTP status.
 * @param body - anything `JSON.stringify` accepts.
 * @param headers - extra headers, e.g. `x-service-ms`.
 * @example
 * ```ts
 * sendJson(res, 503, { error: 'overloaded' });
 * ```
 */
export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * Counts requests in flight at a service and remembers the peak since the last `reset()`. This is where every
 * "peak in-flight (service)" number of the demo comes from.
 * @example
 * ```ts
 * const leave = inFlight.enter();
 * res.once('close', leave);
 * ```
 */
export class InFlight {
  current = 0;
  peak = 0;

  /** Counts one request in; call the returned function exactly once when it leaves. */
  enter(): () => void {
    this.current++;
    if (this.current > this.peak) this.peak = this.current;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.current--;
    };
  }

  /** Starts a new peak window (the current count stays: those requests are still there). */
  reset(): void {
    this.peak = this.current;
  }
}

/**
 * Resolves after `ms`, or early when `signal` aborts (it never rejects: the caller checks `signal.aborted`). The
 * services use it for their simulated work, so a client that leaves frees the slot at once; no listener is left.
 * @param ms - how long.
 * @param signal - stops the wait early.
 * @returns a promise that resolves either way.
 * @example
 * ```ts
 * await pause(serviceMs, gone.signal);
 * if (gone.signal.aborted) return;
 * ```
 */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
