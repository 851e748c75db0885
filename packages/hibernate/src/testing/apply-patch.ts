/**
 * @module How the test API server applies a PATCH body, by content type, as the Kubernetes API documents it.
 */
import jsonpatch from 'fast-json-patch';
import mergePatch from 'json-merge-patch';

/** A failed patch, with the HTTP status and Status reason the API would answer. */
export class PatchError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Applies `body` to a copy of `current`.
 *
 * - `application/json-patch+json`: RFC 6902, all operations or none; a failed `test` (or a path that is not there)
 *   is 422 Unprocessable Entity.
 * - `application/merge-patch+json`: RFC 7386. A `metadata.resourceVersion` in the patch is a precondition: when it
 *   differs from the stored one the answer is 409 Conflict.
 * - `application/strategic-merge-patch+json`: for built-in kinds, applied as a merge patch (which is what it is for
 *   the scalar fields and maps this tool touches; list merge keys are not modelled). Custom resources do not support
 *   it: 415, as the real API answers.
 * - anything else, including server-side apply (not modelled here): 415 Unsupported Media Type.
 * @returns the patched object (a new one; `current` is untouched).
 * @throws PatchError with the status to answer.
 */
export function applyPatch(
  current: object,
  contentType: string,
  body: unknown,
  builtIn: boolean,
): Record<string, unknown> {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json-patch+json') {
    if (!Array.isArray(body))
      throw new PatchError(400, 'BadRequest', 'json patch body must be an array of operations');
    try {
      return jsonpatch.applyPatch(structuredClone(current), body as jsonpatch.Operation[], true, false)
        .newDocument as Record<string, unknown>;
    } catch (error) {
      const e = error as { name?: string; message?: string };
      const what =
        e.name === 'TEST_OPERATION_FAILED'
          ? 'the test operation failed'
          : (e.message ?? String(error)).split('\n')[0];
      throw new PatchError(
        422,
        'Invalid',
        `the server rejected our request due to an error in our request: ${what}`,
      );
    }
  }
  if (
    type === 'application/merge-patch+json' ||
    (type === 'application/strategic-merge-patch+json' && builtIn)
  ) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new PatchError(400, 'BadRequest', 'merge patch body must be a JSON object');
    }
    const rv = (body as { metadata?: { resourceVersion?: unknown } }).metadata?.resourceVersion;
    const currentRv = (current as { metadata?: { resourceVersion?: unknown } }).metadata?.resourceVersion;
    if (rv !== undefined && rv !== currentRv) {
      throw new PatchError(
        409,
        'Conflict',
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    return mergePatch.apply(structuredClone(current), body) as Record<string, unknown>;
  }
  throw new PatchError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json${builtIn ? ', application/strategic-merge-patch+json' : ''}; got ${JSON.stringify(contentType)}`,
  );
}
