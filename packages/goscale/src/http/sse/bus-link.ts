/**
 * @module A {@link Broker}'s side of a {@link BrokerBus}: one subscription, the replica's position in the log, and
 * the replay of reconnecting clients, de-duplicated against live entries by id.
 * @internal
 */
import { BusGapError, type BrokerBus, type BusEntry, type BusSubscription } from './bus.js';
import type { ClientConnection } from './client.js';
import { describe } from '../../internal/args.js';
import { checkField, dataText, encodeEvent, type SseEvent } from './format.js';
import type { TopicIndex } from './topics.js';
import { resetChunk } from './replay.js';

/** A reconnecting client's place: live entries up to `after` are skipped; until its replay is read, they wait. */
interface Resume {
  after: string;
  pending: { id: string; chunk: Buffer }[] | undefined;
}

/** What the link needs from its broker. */
export interface LinkHooks {
  /** The broker's clients, by topic: each bus entry goes to those of its topic, a gap's reset to all. */
  clients: TopicIndex<ClientConnection>;
  onError(error: unknown): void;
}

const idLine = (id: string): string => `id: ${id}\n\n`;

/**
 * Invariants: entries reach each client in log order, each once. A reconnecting client is registered first and its
 * range read second; live entries that arrive meanwhile wait in its `pending` list, and after the range is written
 * only entries past the last one replayed go out (the live loop may lag behind the range read, or lead it). A
 * replay the bus cannot place gets the reset notice; one it cannot read (bus down) ends the stream, so the client
 * comes back with the same id.
 */
export class BusLink {
  readonly #bus: BrokerBus;
  readonly #hooks: LinkHooks;
  #subscription: BusSubscription | undefined;
  /** The newest id this replica has fanned out, or the subscription's start; undefined until subscribed. */
  #position: string | undefined;
  readonly #resuming = new Map<ClientConnection, Resume>();
  /** Fresh clients that connected before the position was known; they get it when it is. */
  #unplaced = new Set<ClientConnection>();
  #closed = false;
  /** Settles once the subscription is established (or failed, reported to `onError`). */
  readonly ready: Promise<void>;

  constructor(bus: BrokerBus, hooks: LinkHooks) {
    this.#bus = bus;
    this.#hooks = hooks;
    this.ready = bus.subscribe(this.#onEntry, this.#onError).then(
      (subscription) => {
        if (this.#closed) return subscription.unsubscribe();
        this.#subscription = subscription;
        if (this.#position === undefined) this.#position = subscription.after;
        for (const c of this.#unplaced) c.writeUnbounded(idLine(this.#position));
        this.#unplaced.clear();
      },
      (error: unknown) => hooks.onError(error),
    );
  }

  /**
   * Appends an event to the bus unless the broker is `closed` (then false); a failure is reported, the event lost (the
   * caller's `publish` never waits). Throws a TypeError for what a bus event cannot carry (an `id`: the bus assigns
   * them) or a malformed `event` or `data`.
   */
  publish(topic: string, event: SseEvent, closed: boolean): boolean {
    if (event.id !== undefined) {
      throw new TypeError(
        `Broker.publish: with a bus, the bus assigns ids; got \`id\` ${describe(event.id)}`,
      );
    }
    if (event.event !== undefined) checkField('Broker.publish', 'event', event.event);
    const data = dataText('Broker.publish', event.data);
    if (closed) return false;
    this.#bus.append({ topic, event: event.event, data }).catch(this.#hooks.onError);
    return true;
  }

  /**
   * Sets a new client up before it is registered: a fresh one gets the position; a reconnecting one is marked for
   * de-duplication and its replay starts. Call it, then register the client in the same tick.
   */
  connect(client: ClientConnection, lastEventId: string | undefined): void {
    if (lastEventId === undefined) {
      if (this.#position === undefined) this.#unplaced.add(client);
      else client.writeUnbounded(idLine(this.#position));
      return;
    }
    const resume: Resume = { after: lastEventId, pending: [] };
    this.#resuming.set(client, resume);
    // The position at registration: what a reset moves the client to (every later entry reaches it live).
    const position = this.#position;
    this.#bus.readAfter(lastEventId, { signal: client.signal }).then(
      (entries) => this.#replay(client, resume, entries, position),
      (error: unknown) => {
        this.#resuming.delete(client);
        if (client.closed) return;
        this.#hooks.onError(error);
        client.close();
      },
    );
  }

  /** Whether live entry `id` goes to `client` now (false: skipped as replayed, or parked until the replay is out). */
  #admits(client: ClientConnection, id: string, chunk: Buffer): boolean {
    if (this.#resuming.size === 0) return true;
    const resume = this.#resuming.get(client);
    if (resume === undefined) return true;
    if (resume.pending !== undefined) {
      resume.pending.push({ id, chunk });
      return false;
    }
    if (this.#bus.compareIds(id, resume.after) <= 0) return false;
    // The live loop has passed the replay: from here on every entry is new to this client.
    this.#resuming.delete(client);
    return true;
  }

  /** Forgets a client that left. */
  remove(client: ClientConnection): void {
    if (this.#resuming.size > 0) this.#resuming.delete(client);
    if (this.#unplaced.size > 0) this.#unplaced.delete(client);
  }

  close(): void {
    this.#closed = true;
    this.#subscription?.unsubscribe();
    this.#resuming.clear();
    this.#unplaced.clear();
  }

  /**
   * A gap means this replica's clients missed entries nobody can replay: each gets the reset notice (in order, before
   * the entries after the gap), so it reloads instead of living with a silent hole.
   */
  readonly #onError = (error: unknown): void => {
    if (error instanceof BusGapError && !this.#closed) {
      const position = this.#position ?? error.after;
      // Queued behind what each client has, so that it comes in order before the entries after the gap.
      const chunk = Buffer.from(resetChunk(position, position));
      for (const c of this.#hooks.clients.all) c.enqueue(chunk);
    }
    this.#hooks.onError(error);
  };

  readonly #onEntry = (entry: BusEntry): void => {
    if (this.#closed) return;
    this.#position = entry.id;
    if (this.#unplaced.size > 0) {
      // An entry before the subscription resolved: the waiting clients are placed at it, as it goes out to them now.
      for (const c of this.#unplaced) c.writeUnbounded(idLine(entry.id));
      this.#unplaced.clear();
    }
    // Encoded once for every client of the topic.
    const chunk = Buffer.from(encodeEvent({ data: entry.data, event: entry.event, id: entry.id }, 'Broker'));
    this.#hooks.clients.forEachOf(entry.topic, (c) => {
      if (this.#admits(c, entry.id, chunk)) c.enqueue(chunk);
    });
  };

  #replay(
    client: ClientConnection,
    resume: Resume,
    entries: readonly BusEntry[] | undefined,
    position: string | undefined,
  ): void {
    const pending = resume.pending ?? [];
    resume.pending = undefined;
    if (client.closed) {
      this.#resuming.delete(client);
      return;
    }
    const compare = this.#bus.compareIds.bind(this.#bus);
    let last: string;
    let written: string | undefined;
    if (entries === undefined) {
      // Unknown or trimmed: the client reloads and resumes from the position it was registered at.
      last = position ?? resume.after;
      written = last;
      client.writeUnbounded(resetChunk(resume.after, position ?? ''));
    } else {
      last = resume.after;
      const topics = client.topics;
      for (const entry of entries) {
        last = entry.id;
        if (topics !== undefined && !topics.includes(entry.topic)) continue;
        client.writeUnbounded(encodeEvent({ data: entry.data, event: entry.event, id: entry.id }, 'Broker'));
        written = entry.id;
      }
    }
    for (const p of pending) {
      if (compare(p.id, last) <= 0) continue;
      client.writeUnbounded(p.chunk);
      last = written = p.id;
    }
    resume.after = last;
    // The newest this replica knows may be past the range (entries of other topics): move the client's id there.
    const newest = this.#position !== undefined && compare(this.#position, last) > 0 ? this.#position : last;
    if (written !== newest) client.writeUnbounded(idLine(newest));
    if (pending.length > 0 && compare(pending[pending.length - 1]!.id, last) >= 0)
      this.#resuming.delete(client);
  }
}
