/**
 * @module (being written)
 */
export {};
