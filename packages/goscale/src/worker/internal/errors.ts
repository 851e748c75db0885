/**
 * @module Errors across the thread boundary: a task's error is flattened in the worker and rebuilt in the pool with
 * the same class (for the built-in classes), message, stack, `cause`, `errors` and own enumerable fields.
 * @internal
 */

/** An Error flattened for postMessage. */
export interface SerializedError {
  /** The constructor's name, e.g. `TypeError` or a user class name. */
  ctor: string;
  name: string;
  message: string;
  stack: string | undefined;
  /** Own enumerable fields (`code`, `errno`, …) that structured clone could copy. */
  fields: Record<string, unknown>;
  cause?: unknown;
  errors?: unknown[];
}

const builtins: Record<string, new (message?: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Whether `value` is an Error (also one from another realm, which `instanceof` would miss). */
export function isError(value: unknown): value is Error {
  return value instanceof Error || Object.prototype.toString.call(value) === '[object Error]';
}

/** Flattens `error` so that every part structured clone can carry survives; `clone` tests a field. */
export function serializeError(error: Error, clone: (value: unknown) => boolean, depth = 0): SerializedError {
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (key === 'cause' || key === 'errors') continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    if (clone(value)) fields[key] = value;
  }
  const out: SerializedError = {
    ctor: error.constructor?.name ?? 'Error',
    name: String(error.name),
    message: String(error.message),
    stack: typeof error.stack === 'string' ? error.stack : undefined,
    fields,
  };
  // Depth bounds a cyclic cause chain; 8 levels is more than any real chain.
  const nest = (value: unknown): unknown =>
    isError(value) && depth < 8 ? { [NESTED]: serializeError(value, clone, depth + 1) } : value;
  if ('cause' in error) {
    const cause = nest(error.cause);
    if (clone(cause)) out.cause = cause;
  }
  if (Array.isArray((error as Partial<AggregateError>).errors)) {
    out.errors = (error as AggregateError).errors.map(nest).filter(clone);
  }
  return out;
}

/** Marks a nested serialized error inside `cause` or `errors`. */
const NESTED = '__goscaleWorkerError';

/** Rebuilds an error serialized by {@link serializeError}. */
export function deserializeError(e: SerializedError): Error {
  const unnest = (value: unknown): unknown =>
    typeof value === 'object' && value !== null && NESTED in value
      ? deserializeError((value as Record<string, SerializedError>)[NESTED]!)
      : value;
  let error: Error;
  if (e.ctor === 'AggregateError') error = new AggregateError((e.errors ?? []).map(unnest), e.message);
  else if (e.ctor === 'DOMException') error = new DOMException(e.message, e.name);
  else error = new (builtins[e.ctor] ?? Error)(e.message);
  // A user class cannot be rebuilt here (the pool never loads the task module): its name still says what it was.
  if (error.name !== e.name) {
    Object.defineProperty(error, 'name', {
      value: e.name,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  if (e.stack !== undefined) {
    Object.defineProperty(error, 'stack', {
      value: e.stack,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  if ('cause' in e) {
    Object.defineProperty(error, 'cause', {
      value: unnest(e.cause),
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  if (e.errors !== undefined && e.ctor !== 'AggregateError') {
    Object.defineProperty(error, 'errors', {
      value: e.errors.map(unnest),
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  Object.assign(error, e.fields);
  return error;
}
