/**
 * @module A task module that fails to load.
 * @internal
 */
throw new RangeError('this module cannot load');
