/**
 * @module The one do-nothing function: the default settler of a record not yet waited on, and the handler that marks
 * a rejection as handled. One shared function object keeps those fields monomorphic.
 * @internal
 */

/** Does nothing. */
export function noop(): void {}
