/**
 * @module The free names the documentation's examples may use without declaring them (see `examples.ts`): what a
 * reader has at hand in the situation an example shows — the object a method's example is about, the request being
 * served, the application's own functions. Declarations only; nothing here runs.
 * @internal
 */
import * as http from 'node:http';
import type {
  Broker,
  Channel,
  Group,
  Limiter,
  Mutex,
  Once,
  RWMutex,
  Semaphore,
  SingleFlight,
  WaitGroup,
} from '../index.js';

export { http };

/**
 * The application's own code that an example calls (`work()`, `fetchJson(url)`, `deploy(id, { signal })`…): any
 * arguments, any result. Its types are not what an example shows; goscale's are, and those stay checked.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- stands for arbitrary user code (see above)
type App = (...args: any[]) => any;

/** A user record, a job and a database handle, as examples name them. */
export interface User {
  readonly id: string;
  readonly name: string;
}
export interface Job {
  readonly id: number;
}
export interface Db {
  end(): Promise<void>;
  query: App;
  load: App;
  loadUser(id: string): Promise<User>;
}

/** The caller's cancellation signal, and a parent one. */
export declare const signal: AbortSignal;
export declare const parent: AbortSignal;
/** A duration in milliseconds. */
export declare const ms: number;
/** The request being served and its response, in a `node:http` handler; its server; an Express-like app. */
export declare const req: http.IncomingMessage;
export declare const res: http.ServerResponse;
export declare const server: http.Server;
export declare const app: http.RequestListener & {
  use: App;
  listen: App;
  get(path: string, handler: (req: unknown, res: { status(code: number): { end(): void } }) => void): void;
};
export declare const db: Db;

/** The object a method's example is about. */
export declare const broker: Broker;
export declare const ch: Channel<number>;
export declare const jobs: Channel<Job>;
export declare const results: Channel<string>;
export declare const errors: Channel<Error>;
export declare const out: Channel<number>;
export declare const quit: Channel<void>;
export declare const events: Channel<unknown>;
export declare const updates: Channel<unknown>;
export declare const group: Group;
export declare const limiter: Limiter;
export declare const mu: Mutex;
export declare const rw: RWMutex;
export declare const sem: Semaphore;
export declare const wg: WaitGroup;
export declare const once: Once<unknown>;
export declare const flights: SingleFlight<string, User>;

/** Inputs examples iterate over. */
export declare const urls: string[];
export declare const url: string;
export declare const ids: string[];
export declare const id: string;
export declare const names: string[];
export declare const files: string[];
export declare const items: number[];
export declare const item: number;
export declare const lines: AsyncIterable<string>;
export declare const cursor: AsyncIterable<unknown>;
export declare const values: number[];
export declare const workloads: string[];
export declare const podEvents: AsyncIterable<unknown>;
export declare const deployEvents: AsyncIterable<unknown>;
export declare const alerts: AsyncIterable<unknown>;
export declare const job: Job;
export declare const key: string;
export declare const k: string;
export declare const userId: string;
export declare const amount: number;
export declare const path: string;
export declare const cache: Map<string, unknown>;
export declare const metrics: { count: number; skipped: number };
export declare let counter: number;
export declare let balance: number;
export declare let dropped: number;

/** The application's functions. */
export declare const work: App,
  doWork: App,
  run: App,
  load: App,
  save: App,
  read: App,
  write: App,
  writeFile: App;
export declare const fetchJson: App, fetchText: App, fetchPage: App, fetchA: App, fetchB: App, call: App;
export declare const deploy: App, upload: App, enrich: App, handle: App, render: App, reply: App, report: App;
export declare const refresh: App, setup: App, send: App, sendBatch: App, connect: App;
export declare const checkHibernation: App, showStale: App, isTheOne: App, critical: App;
export declare const taskA: App, use: App, flush: App, query: App, digest: App, shrink: App;
export declare const ci: { status: App; head: App }, cd: { status: App }, git: { head: App };
export declare const scanner: { status: App };
export declare const api: { readPod: App };
export declare const pool: { query: App; end: App };
export declare const pending: Job[];
export declare const retryAfter: number | undefined;
export declare const fakeNow: number;
/** An image's pixels, as a worker task takes them. */
export declare const img: Uint8Array<ArrayBuffer>;
export declare const e: unknown;
export declare const v: number;
export declare const log: { flush: App; info: App };
export declare const watch: (kind: string) => AsyncIterable<{ type: string }>;
