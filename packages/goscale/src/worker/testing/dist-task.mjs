// A plain JavaScript task module for the test that runs the built package (dist) without tsx.
import { move } from 'goscale/worker';

export default (x) => x;
export const filled = (n) => move(new Uint8Array(n).fill(5));
export const fail = (message) => {
  throw new TypeError(message);
};
export const spin = ({ gate }) => {
  const s = new Int32Array(gate);
  Atomics.add(s, 0, 1);
  Atomics.notify(s, 0);
  for (;;);
};
