/**
 * @module Loopback helpers for the requestSignal and gracefulShutdown tests: servers, raw sockets, listener counts.
 */
import { once, type EventEmitter } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { noop } from '../../../internal/noop.js';
import { flush } from '../../../testing/helpers.js';

/** The body of every `/work` response of the child-process fixture; the parent checks it arrives whole. */
export const WORK_BODY = `${'x'.repeat(2_000)}END`;

/** Starts `server` on an ephemeral loopback port and returns the port. */
export async function listen(server: http.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

/** A raw client socket that collects everything it receives, so tests can send exact bytes and pipeline requests. */
export interface RawClient {
  socket: net.Socket;
  /** Everything received so far. */
  text(): string;
  /** Resolves once the received text contains `needle` `times` times. */
  waitFor(needle: string, times?: number): Promise<void>;
  /** Resolves when the socket has closed. */
  closed: Promise<void>;
}

/** Opens a raw TCP connection to the loopback `port`. */
export async function rawClient(port: number): Promise<RawClient> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let received = '';
  const waiters: (() => void)[] = [];
  socket.on('data', (chunk: string) => {
    received += chunk;
    for (const wake of waiters.splice(0)) wake();
  });
  socket.on('error', noop);
  // Not events.once: it rejects on 'error', and a write racing the server's close (EPIPE) is expected here.
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve())).then(() => {
    for (const wake of waiters.splice(0)) wake();
  });
  await once(socket, 'connect');
  const count = (needle: string): number => received.split(needle).length - 1;
  return {
    socket,
    text: () => received,
    closed,
    async waitFor(needle, times = 1) {
      while (count(needle) < times) {
        if (socket.destroyed)
          throw new Error(`socket closed before ${times}x ${JSON.stringify(needle)}: ${received}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}

/** `GET path` as raw bytes, with an optional extra header line. */
export function get(path: string, extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: test\r\n${extra}\r\n`;
}

/** Resolves with the error code of a connection attempt that fails, or 'connected' when it succeeds. */
export async function tryConnect(port: number): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    return 'connected';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  } finally {
    socket.destroy();
  }
}

/** Total listeners on `emitter` across all its events. */
export function listenerTotal(emitter: EventEmitter): number {
  let n = 0;
  for (const name of emitter.eventNames()) n += emitter.listenerCount(name);
  return n;
}

/** Resolves once `fn()` is true, checking after each turn of the event loop (no wall-clock timeout). */
export async function until(fn: () => boolean): Promise<void> {
  while (!fn()) await flush();
}
