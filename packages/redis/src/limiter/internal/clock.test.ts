import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RedisClock } from './clock.js';

describe('RedisClock', () => {
  // The local clock reads OFFSET ms more than the Redis clock at the same instant.
  const OFFSET = 1000;

  it('places a Redis instant at the smallest latency seen, never before it', () => {
    const clock = new RedisClock();
    const table = [
      { redisMs: 0, latencyMs: 9 },
      { redisMs: 10, latencyMs: 1 },
      { redisMs: 20, latencyMs: 6 },
    ];
    for (const { redisMs, latencyMs } of table) clock.sample(redisMs * 1000, redisMs + OFFSET + latencyMs);
    // planned at Redis 100 ms: locally at 100 + OFFSET + the 1 ms minimum latency, not + the last reply's 6 ms
    assert.equal(clock.toLocal(100_000), 100 + OFFSET + 1);
  });

  it('forgets a minimum after two periods, so a clock step or drift cannot make it early for long', () => {
    const clock = new RedisClock();
    clock.sample(0, OFFSET + 1);
    clock.sample(2_500_000, 2500 + OFFSET + 5); // a new period; the old minimum is still the previous one
    assert.equal(clock.toLocal(3_000_000), 3000 + OFFSET + 1);
    clock.sample(5_000_000, 5000 + OFFSET + 5); // two periods on: only samples of the last two count
    assert.equal(clock.toLocal(6_000_000), 6000 + OFFSET + 5);
  });
});
