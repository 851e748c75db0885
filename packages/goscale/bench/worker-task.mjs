// Task functions for bench/worker.bench.ts, plain JavaScript so that piscina and goscale load the same file.

/** CPU-bound: `rounds` rounds of a 32-bit FNV-1a style hash over a 1 KiB block; returns the digest. */
export function hash(rounds) {
  let h = 0x811c9dc5;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < 1024; i++) {
      h ^= (i + r) & 0xff;
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}

/** Tiny: returns its argument. */
export function echo(x) {
  return x;
}

/** Never returns and never yields. */
export function spin() {
  for (;;);
}

export default echo;
