/**
 * @module The load balancer in front of the replicas, as the SSE clients' `fetch`: a client goes to its own replica
 * while that one is up, and once it is down, to another, when the balancer has a route for it.
 */
import type { FetchLike } from '../lib/eventsource.js';

/**
 * Routes each client's requests by its home replica. `down(i)` takes replica `i` out (as an orchestrator does when
 * it kills a pod); requests for it then wait until `failover()` opens the route to the replicas still up, so the
 * demo decides what is published while the clients are away. Every `Last-Event-ID` a request carried is counted.
 */
export class Balancer {
  readonly #urls: readonly string[];
  readonly #up: boolean[];
  #open!: () => void;
  readonly #failover = new Promise<void>((resolve) => (this.#open = resolve));
  #next = 0;
  /** Requests that carried a `Last-Event-ID`, and how many went to each replica after a failover. */
  readonly lastEventIds: string[] = [];
  readonly movedTo: number[];

  /** @param urls - each replica's base URL (`http://127.0.0.1:<port>`), in replica order. */
  constructor(urls: readonly string[]) {
    this.#urls = urls;
    this.#up = urls.map(() => true);
    this.movedTo = urls.map(() => 0);
  }

  /** Takes replica `i` out of the rotation. */
  down(i: number): void {
    this.#up[i] = false;
  }

  /** Opens the route from the replicas that are down to the others (round robin). */
  failover(): void {
    this.#open();
  }

  /** The `fetch` of a client whose home is replica `home`. */
  fetchFor(home: number): FetchLike {
    return async (url, init) => {
      const lastEventId = init.headers?.['Last-Event-ID'];
      if (lastEventId !== undefined) this.lastEventIds.push(lastEventId);
      let target = home;
      if (!this.#up[home]) {
        await this.#failover;
        const live = this.#up.flatMap((up, i) => (up ? [i] : []));
        target = live[this.#next++ % live.length]!;
        this.movedTo[target]!++;
      }
      const u = new URL(url);
      return fetch(new URL(u.pathname + u.search, this.#urls[target]), init);
    };
  }
}
