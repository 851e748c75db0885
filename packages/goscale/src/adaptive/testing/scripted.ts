/**
 * @module Test algorithm: records every sample and sets whatever estimate the test scripts for it.
 * @internal
 */
import type { LimitAlgorithmFactory, LimitSample } from '../types.js';

/** A scripted algorithm and what it saw. `plan(sample)` returns the next estimate, or undefined to keep it. */
export function scripted(
  plan: (sample: LimitSample, index: number) => number | undefined = () => undefined,
): {
  factory: LimitAlgorithmFactory;
  samples: LimitSample[];
} {
  const samples: LimitSample[] = [];
  const factory: LimitAlgorithmFactory = (bounds) => {
    let estimate = bounds.initial;
    return {
      name: 'scripted',
      get estimate() {
        return estimate;
      },
      update(sample) {
        samples.push(sample);
        const next = plan(sample, samples.length - 1);
        if (next === undefined || next === estimate) return undefined;
        estimate = next;
        return { estimate: next, cause: 'script', signals: { n: samples.length } };
      },
    };
  };
  return { factory, samples };
}
