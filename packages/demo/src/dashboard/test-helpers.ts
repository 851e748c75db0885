/**
 * @module Helpers for the dashboard's tests: a gated section runner and a plain SSE reader.
 */
import http from 'node:http';
import type { RunOptions, SectionResult } from '../sections/types.js';
import type { DashboardEvent } from './protocol.js';

/**
 * A section runner that waits until `open()` before running (or failing), so that a test knows a run is going.
 * @returns the runner, `open(outcome)` and how many runs it was asked for.
 */
export function gatedRunner(): {
  run: (n: number, opts: RunOptions) => Promise<SectionResult>;
  open: (outcome: Error | SectionResult) => void;
  started: () => number;
} {
  let release: ((outcome: Error | SectionResult) => void) | undefined;
  const gate = new Promise<Error | SectionResult>((resolve) => (release = resolve));
  let started = 0;
  return {
    run: async () => {
      started++;
      const outcome = await gate;
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
    open: (outcome) => release!(outcome),
    started: () => started,
  };
}

/** A parsed SSE block. */
export interface SseBlock {
  id: string | undefined;
  event: string | undefined;
  data: string | undefined;
}

/**
 * Reads `/events` until `until` is true for the events read so far (or the stream ends), then hangs up.
 * @param url - the dashboard's URL.
 * @param until - the stop condition, over the dashboard events (blocks with JSON data) and all blocks so far.
 * @param lastEventId - sent as `Last-Event-ID`.
 * @returns `connected`, settled once the response headers arrived (the client is in the Broker), and `done` with
 * every block, including ones without data (reset notices, id-only blocks).
 */
export function readEvents(
  url: string,
  until: (events: DashboardEvent[], blocks: SseBlock[]) => boolean,
  lastEventId?: string,
): { connected: Promise<void>; done: Promise<{ blocks: SseBlock[]; events: DashboardEvent[] }> } {
  let connected!: () => void;
  const isConnected = new Promise<void>((resolve) => (connected = resolve));
  const done = new Promise<{ blocks: SseBlock[]; events: DashboardEvent[] }>((resolve, reject) => {
    const blocks: SseBlock[] = [];
    const events: DashboardEvent[] = [];
    let buffer = '';
    const headers = lastEventId === undefined ? {} : { 'Last-Event-ID': lastEventId };
    const req = http.get(new URL('events', url), { headers, agent: false }, (res) => {
      connected();
      res.setEncoding('utf8');
      const done = (): void => {
        req.destroy();
        resolve({ blocks, events });
      };
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block: SseBlock = { id: undefined, event: undefined, data: undefined };
          for (const line of buffer.slice(0, end).split('\n')) {
            const colon = line.indexOf(':');
            const field = line.slice(0, colon);
            const value = line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id' || field === 'event' || field === 'data') block[field] = value;
          }
          buffer = buffer.slice(end + 2);
          blocks.push(block);
          if (block.data !== undefined && block.event === undefined) {
            events.push(JSON.parse(block.data) as DashboardEvent);
          }
          if (until(events, blocks)) return done();
        }
      });
      res.on('end', done);
    });
    req.on('error', reject);
  });
  return { connected: isConnected, done };
}

/**
 * POSTs to the dashboard's API.
 * @param url - the dashboard's URL.
 * @param path - e.g. `api/run?section=1`.
 * @returns the status and the parsed JSON body.
 */
export async function post(url: string, path: string): Promise<{ status: number; body: { error?: string } }> {
  const res = await fetch(new URL(path, url), { method: 'POST' });
  return { status: res.status, body: (await res.json()) as { error?: string } };
}
