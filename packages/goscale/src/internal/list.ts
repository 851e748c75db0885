/**
 * @module An intrusive doubly linked list: O(1) push, shift and removal of any node.
 *
 * Every waiter queue in goscale is one of these, so that an aborted waiter leaves the queue in O(1) however long the
 * queue is (async-mutex pays O(n) per lock at 200,000 waiters; see BENCHMARKS.md).
 * @internal
 */

/** A list entry. Waiter records extend it so that queueing allocates nothing beyond the waiter itself. */
export interface ListNode {
  prev: ListNode | undefined;
  next: ListNode | undefined;
  /** True while the node is linked into a list; removal of an unlinked node is a no-op. */
  linked: boolean;
}

/** FIFO list of nodes of type `N`. Not thread-safe (there are no threads): callers mutate it synchronously. */
export class List<N extends ListNode> {
  head: N | undefined = undefined;
  tail: N | undefined = undefined;
  length = 0;

  /** Appends `node` at the tail. The node must not be linked elsewhere. */
  push(node: N): void {
    node.prev = this.tail;
    node.next = undefined;
    node.linked = true;
    if (this.tail === undefined) this.head = node;
    else this.tail.next = node;
    this.tail = node;
    this.length++;
  }

  /** Removes and returns the head, or `undefined` when empty. */
  shift(): N | undefined {
    const node = this.head;
    if (node !== undefined) this.remove(node);
    return node;
  }

  /** Unlinks `node` in O(1). Returns false when it was not linked (already removed). */
  remove(node: N): boolean {
    if (!node.linked) return false;
    const { prev, next } = node;
    if (prev === undefined) this.head = next as N | undefined;
    else prev.next = next;
    if (next === undefined) this.tail = prev as N | undefined;
    else next.prev = prev;
    node.prev = node.next = undefined;
    node.linked = false;
    this.length--;
    return true;
  }
}
