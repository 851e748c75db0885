/**
 * @module Connection bookkeeping for `gracefulShutdown`: which sockets are open, which are mid-request, and how to
 * drain or force-close them.
 * @internal
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import { noop } from '../../internal/noop.js';
import { abortRequestSignal } from './registry.js';

/**
 * Tracks a server's connections from construction on.
 *
 * Two views, because with TLS the socket of `'connection'` (TCP) is not the socket of `req.socket` (TLS): `#sockets`
 * holds every accepted socket so the deadline can destroy them all, upgraded ones included; `#busy` maps a request's
 * socket to its responses that have not closed yet, which is what "mid-request" means during the drain.
 * `#httpSockets` holds the request-level sockets (the same set as `#sockets` without TLS), to find the ones that never
 * carried a request.
 */
export class ConnectionTracker {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #busy = new Map<Socket, Set<ServerResponse>>();
  #draining = false;
  /**
   * True while the parser may still be dispatching the requests of one chunk: set by each request, cleared by the
   * next tick (Node runs ticks only after the whole chunk, measured: three pipelined requests dispatch before the
   * first one's nextTick). A mark made then could land on a request that is not the connection's last.
   */
  #dispatching = false;
  readonly #endDispatch = (): void => {
    this.#dispatching = false;
  };
  /** Called when the last tracked socket closes, once the listener was found closed already. */
  #onEmpty: (() => void) | undefined;
  /** Responses this tracker put `Connection: close` on, so that it only ever takes back its own header. */
  readonly #marked = new WeakSet<ServerResponse>();
  readonly #onConnection: (socket: Socket) => void;
  readonly #onRequest: (req: IncomingMessage, res: ServerResponse) => void;
  readonly #httpSockets: Set<Socket>;
  readonly #onSecureConnection: ((socket: Socket) => void) | undefined;

  constructor(server: Server) {
    this.#server = server;
    const sockets = this.#sockets;
    const busy = this.#busy;
    const onEmpty = (): void => {
      const wake = this.#onEmpty;
      this.#onEmpty = undefined;
      wake?.();
    };
    const forget = function (this: Socket): void {
      sockets.delete(this);
      if (sockets.size === 0) onEmpty();
    };
    const socketDone = function (this: Socket): void {
      // A socket that dies with pipelined requests queued never closes their responses: drop them with it.
      busy.delete(this);
    };
    const onResponseDone = (res: ServerResponse): void => this.#responseDone(res);
    const responseDone = function (this: ServerResponse): void {
      onResponseDone(this);
    };
    this.#onConnection = (socket) => {
      sockets.add(socket);
      socket.once('close', forget);
    };
    this.#onRequest = (req, res) => {
      if (!this.#dispatching) {
        this.#dispatching = true;
        process.nextTick(this.#endDispatch);
      }
      const socket = req.socket;
      let open = busy.get(socket);
      if (open === undefined) {
        open = new Set();
        busy.set(socket, open);
        socket.once('close', socketDone);
      }
      open.add(res);
      res.once('close', responseDone);
      // Parsed from the same chunk as a request whose handler started the drain (the parser stops only after the
      // chunk): served; the mark waits until the chunk is done, when this connection's last request is known.
      if (this.#draining) this.#markLastSoon(socket);
    };
    server.on('connection', this.#onConnection);
    if (server instanceof TlsServer) {
      const httpSockets = new Set<Socket>();
      const forgetHttp = function (this: Socket): void {
        httpSockets.delete(this);
      };
      this.#httpSockets = httpSockets;
      this.#onSecureConnection = (socket) => {
        httpSockets.add(socket);
        socket.once('close', forgetHttp);
      };
      server.on('secureConnection', this.#onSecureConnection);
    } else {
      this.#httpSockets = sockets;
    }
    // Prepended so that the header is set before the application's handler can send the response synchronously.
    server.prependListener('request', this.#onRequest);
  }

  /**
   * Stops accepting, stops reading every connection (no request that arrives from now on is accepted: it never
   * reaches a handler, and the client sees the connection close without an answer, which HTTP clients retry), closes
   * idle connections (keep-alive ones and those that never carried a request), marks the newest in-flight response
   * of each connection `Connection: close`, and closes each connection when its last response has closed. So every
   * request a handler saw is answered. `onClosed` runs once the listener is closed and every connection has ended
   * (the `server.close()` callback).
   *
   * Why reads stop (as Go's `Shutdown` turns keep-alives off): Node closes a connection right after a response that
   * carries `Connection: close`, and that header is fixed when the response is ended, which for a pipelined response
   * can be long before it is sent. A request parsed after that point reached its handler and was never answered.
   */
  drain(onClosed: () => void): void {
    this.#draining = true;
    const server = this.#server;
    // Node 20's server.close() also runs closeIdleConnections(), which destroys a connection whose response has been
    // ended but not flushed yet (it cut a 50 MB response to a slow reader at 3.7 MB) and one with pipelined requests
    // queued. So the instance method is shadowed for that one call, and idle connections are closed below instead,
    // each only once what it has to send is flushed.
    const own = Object.hasOwn(server, 'closeIdleConnections') ? server.closeIdleConnections : undefined;
    server.closeIdleConnections = noop;
    try {
      server.close((error) => {
        // Not listening (closed already by someone else, or never opened): Node reports it at once, with connections
        // perhaps still open, so wait for the ones this tracker knows of.
        if (error === undefined || this.#sockets.size === 0) onClosed();
        else this.#onEmpty = onClosed;
      });
    } finally {
      if (own === undefined) delete (server as Partial<Server>).closeIdleConnections;
      else server.closeIdleConnections = own;
    }
    for (const socket of this.#httpSockets) {
      // An upgraded connection (WebSocket) has no parser left: it belongs to its owner, and the deadline.
      if ((socket as { parser?: unknown }).parser === null) continue;
      stopReading(socket);
      const open = this.#busy.get(socket);
      if (open === undefined || open.size === 0) closeGently(socket);
      else this.#markLastSoon(socket);
    }
  }

  /**
   * Marks the newest response of `socket`, at once unless a chunk is being dispatched (the drain started in a
   * handler): requests pipelined behind it in that chunk still reach their handlers, so the mark waits for the
   * chunk's end, which comes before any handler's own continuation.
   */
  #markLastSoon(socket: Socket): void {
    const mark = (): void => {
      const open = this.#busy.get(socket);
      if (open !== undefined) this.#markLast(open);
    };
    if (this.#dispatching) process.nextTick(mark);
    else mark();
  }

  /** Aborts the request signals of unfinished responses with `reason`, then destroys every socket. */
  destroyAll(reason: unknown): void {
    for (const open of this.#busy.values()) for (const res of open) abortRequestSignal(res, reason);
    for (const socket of this.#busy.keys()) socket.destroy();
    for (const socket of this.#sockets) socket.destroy();
    this.#server.closeAllConnections();
  }

  /** Removes the tracker's listeners from the server (sockets still open keep theirs until they close). */
  dispose(): void {
    this.#server.off('connection', this.#onConnection);
    this.#server.off('request', this.#onRequest);
    if (this.#onSecureConnection) this.#server.off('secureConnection', this.#onSecureConnection);
  }

  /**
   * Puts `Connection: close` on the newest response of a connection only. Node closes the socket right after a
   * response carrying it, so marking an older pipelined response would drop the newer requests queued behind it
   * unanswered; when a newer request arrives, the mark moves to it while the older headers are still unsent.
   */
  #markLast(open: Set<ServerResponse>): void {
    let last: ServerResponse | undefined;
    for (const res of open) {
      if (last !== undefined && this.#marked.has(last) && !last.headersSent) {
        last.removeHeader('Connection');
        this.#marked.delete(last);
      }
      last = res;
    }
    if (last !== undefined && !last.headersSent && !this.#marked.has(last)) {
      last.setHeader('Connection', 'close');
      this.#marked.add(last);
    }
  }

  #responseDone(res: ServerResponse): void {
    const socket = res.req.socket;
    const open = this.#busy.get(socket);
    if (open === undefined || !open.delete(res) || open.size > 0) return;
    // An idle keep-alive connection would otherwise sit open until keepAliveTimeout and hold the drain up.
    if (this.#draining) closeGently(socket);
  }
}

/**
 * Makes `socket` accept no further request: bytes that arrive stay unparsed. Node's own guard against pipelining
 * floods does the same (`socket.pause()` and its parser's `pause()`, in `_http_server.js`), and resumes both when the
 * socket drains; the `'resume'` listener undoes that resumption before any data is read.
 */
function stopReading(socket: Socket): void {
  const parser = (socket as { parser?: { pause(): void } | null }).parser;
  const stop = (): void => {
    socket.pause();
    parser?.pause();
  };
  stop();
  socket.on('resume', stop);
}

/**
 * Flushes what is buffered, sends FIN and destroys the socket once its side is finished, without waiting for the
 * client's FIN (a client that never sends one would otherwise hold the drain up).
 */
function closeGently(socket: Socket): void {
  if (socket.destroyed) return;
  if (!socket.writableEnded) socket.end();
  if (socket.writableFinished) socket.destroy();
  else socket.once('finish', () => socket.destroy());
}
