/**
 * @module Which SSE clients receive which topic: a set per topic, a set of every-topic clients, and a set of all.
 * @internal
 */
import { describe } from '../../internal/args.js';
import { checkField } from './format.js';

/** What the index needs of a client: its topics, `undefined` meaning every topic. */
export interface Subscriber {
  readonly topics: readonly string[] | undefined;
}

/**
 * The broker's subscriptions. Adding and removing cost O(topics of the client); finding a topic's clients is one map
 * lookup. A topic's set is dropped with its last client, so a million one-off topics (one per user, say) do not pile
 * up after their clients leave.
 */
export class TopicIndex<C extends Subscriber> {
  /** Every registered client, in connection order. */
  readonly all = new Set<C>();
  readonly #byTopic = new Map<string, Set<C>>();
  readonly #everyTopic = new Set<C>();

  add(client: C): void {
    this.all.add(client);
    if (client.topics === undefined) {
      this.#everyTopic.add(client);
      return;
    }
    for (const topic of client.topics) {
      let set = this.#byTopic.get(topic);
      if (set === undefined) this.#byTopic.set(topic, (set = new Set()));
      set.add(client);
    }
  }

  /** Removes `client`; false when it was not registered (refused, or gone before it was added). */
  remove(client: C): boolean {
    if (!this.all.delete(client)) return false;
    if (client.topics === undefined) this.#everyTopic.delete(client);
    else {
      for (const topic of client.topics) {
        const set = this.#byTopic.get(topic);
        if (set?.delete(client) === true && set.size === 0) this.#byTopic.delete(topic);
      }
    }
    return true;
  }

  /**
   * Calls `fn` for each client of `topic`, the topic's own first, then the every-topic ones. A client removed during
   * the walk (one that overflowed and left) is safe: deleting from a Set while iterating it is allowed.
   */
  forEachOf(topic: string, fn: (client: C) => void): void {
    const subscribers = this.#byTopic.get(topic);
    if (subscribers !== undefined) for (const c of subscribers) fn(c);
    for (const c of this.#everyTopic) fn(c);
  }
}

/** Validates and copies `topics`, deduplicated so that a client sits in each topic's set once. */
export function readTopics(topics: Iterable<string> | undefined): readonly string[] | undefined {
  if (topics === undefined) return undefined;
  if (
    typeof topics === 'string' ||
    typeof (topics as Partial<Iterable<string>>)?.[Symbol.iterator] !== 'function'
  ) {
    throw new TypeError(
      `Broker.connect: expected \`topics\` to be an iterable of strings, got ${describe(topics)}`,
    );
  }
  const out = [...new Set(topics)];
  for (const t of out) checkField('Broker.connect', 'topic', t);
  return out;
}
