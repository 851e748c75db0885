/**
 * @module Connection bookkeeping for `gracefulShutdown`: which sockets are open, which are mid-request, and how to
 * drain or force-close them.
 * @internal
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { abortRequestSignal } from './shutdown-registry.js';

/**
 * Tracks a server's connections from construction on.
 *
 * Two views, because with TLS the socket of `'connection'` (TCP) is not the socket of `req.socket` (TLS): `#sockets`
 * holds every accepted socket so the deadline can destroy them all, upgraded ones included; `#busy` maps a request's
 * socket to its responses that have not closed yet, which is what "mid-request" means during the drain.
 */
export class ConnectionTracker {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #busy = new Map<Socket, Set<ServerResponse>>();
  #draining = false;
  /** Called when the last tracked socket closes, once the listener was found closed already. */
  #onEmpty: (() => void) | undefined;
  /** Responses this tracker put `Connection: close` on, so that it only ever takes back its own header. */
  readonly #marked = new WeakSet<ServerResponse>();
  readonly #onConnection: (socket: Socket) => void;
  readonly #onRequest: (req: IncomingMessage, res: ServerResponse) => void;

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
      const socket = req.socket;
      let open = busy.get(socket);
      if (open === undefined) {
        open = new Set();
        busy.set(socket, open);
        socket.once('close', socketDone);
      }
      open.add(res);
      res.once('close', responseDone);
      // Requests that reach a connection during the drain are still served, but tell the client not to reuse it.
      if (this.#draining) this.#markLast(open);
    };
    server.on('connection', this.#onConnection);
    // Prepended so that the header is set before the application's handler can send the response synchronously.
    server.prependListener('request', this.#onRequest);
  }

  /**
   * Stops accepting, closes idle keep-alive connections, marks in-flight responses `Connection: close`, and from now
   * on closes each connection when its last response closes. `onClosed` runs once the listener is closed and every
   * connection has ended (the `server.close()` callback).
   */
  drain(onClosed: () => void): void {
    this.#draining = true;
    this.#server.close((error) => {
      // Not listening (closed already by someone else, or never opened): Node reports it at once, with connections
      // perhaps still open, so wait for the ones this tracker knows of.
      if (error === undefined || this.#sockets.size === 0) onClosed();
      else this.#onEmpty = onClosed;
    });
    // server.close() already does this on Node 20; called again so the intent does not hang on a version detail.
    this.#server.closeIdleConnections();
    for (const open of this.#busy.values()) this.#markLast(open);
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
    // An idle keep-alive connection would otherwise sit open until keepAliveTimeout and hold the drain up. end()
    // flushes what is buffered and sends FIN; the socket is destroyed once its side is finished.
    if (this.#draining && !socket.destroyed) {
      if (!socket.writableEnded) socket.end();
      if (socket.writableFinished) socket.destroy();
      else socket.once('finish', () => socket.destroy());
    }
  }
}
