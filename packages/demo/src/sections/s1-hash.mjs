// Section 1's CPU-bound job, run on worker threads: a fixed 32-bit FNV-1a style hash over a 1 KiB block.
export default function hash(rounds) {
  let h = 0x811c9dc5;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < 1024; i++) {
      h ^= (i + r) & 0xff;
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}
