/**
 * @module JSON Patch (RFC 6902) operations on the one annotation key the tool owns, with their preconditions.
 */
import type { Workload } from '../workload/object.js';

/** One RFC 6902 operation, of the four kinds the tool sends. */
export type Operation =
  | { op: 'test'; path: string; value: unknown }
  | { op: 'add'; path: string; value: unknown }
  | { op: 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string };

/**
 * Escapes a key for a JSON Pointer (RFC 6901): `~` becomes `~0`, `/` becomes `~1`.
 * @param key - an object key.
 * @returns the escaped segment (`goscale.dev~1original-replicas`).
 */
export function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** The pointer to one annotation. */
export function annotationPath(key: string): string {
  return `/metadata/annotations/${escapePointer(key)}`;
}

/**
 * The operations that set annotation `key` to `value` and nothing else in the map.
 *
 * - The map exists without the key: `add` of that one member (RFC 6902 `add` on an object member inserts it; the
 *   other annotations stay).
 * - The key exists: `test` its old value, then `replace` it.
 * - The map is absent (or null): `add /metadata/annotations` with a new map, guarded by a `test` of the
 *   resourceVersion read, because that `add` would replace a map someone created since (winter-soldier's bug
 *   erased every annotation this way).
 * @param w - the object as read.
 * @param key - the annotation key.
 * @param value - the new value.
 * @returns the operations, preconditions first.
 * @throws TypeError when the map is absent and the object has no resourceVersion (nothing to guard the add with).
 */
export function setAnnotation(w: Workload, key: string, value: string): Operation[] {
  const map = w.metadata.annotations;
  if (map == null) {
    const rv = w.metadata.resourceVersion;
    if (rv === undefined) {
      throw new TypeError(
        `${w.kind} ${w.metadata.name}: no metadata.resourceVersion to guard the new annotations map`,
      );
    }
    return [
      { op: 'test', path: '/metadata/resourceVersion', value: rv },
      { op: 'add', path: '/metadata/annotations', value: { [key]: value } },
    ];
  }
  const path = annotationPath(key);
  if (Object.hasOwn(map, key)) {
    return [
      { op: 'test', path, value: map[key] },
      { op: 'replace', path, value },
    ];
  }
  return [{ op: 'add', path, value }];
}

/**
 * The operations that remove annotation `key` (present with value `value`) and nothing else. When it is the only
 * annotation, the whole map is tested to be exactly `{ key: value }` and removed, so an object whose map
 * `setAnnotation` created comes back without one (the API server does not store an empty map either).
 * @param w - the object as read; it must carry the key.
 * @param key - the annotation key.
 * @returns the operations, preconditions first.
 */
export function removeAnnotation(w: Workload, key: string): Operation[] {
  const map = w.metadata.annotations ?? {};
  const value = map[key];
  const keys = Object.keys(map);
  if (keys.length === 1 && keys[0] === key) {
    return [
      { op: 'test', path: '/metadata/annotations', value: { [key]: value } },
      { op: 'remove', path: '/metadata/annotations' },
    ];
  }
  const path = annotationPath(key);
  return [
    { op: 'test', path, value },
    { op: 'remove', path },
  ];
}
