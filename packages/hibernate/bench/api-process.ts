/**
 * @module The benchmark's API server in a process of its own, as a real API server is on another machine: the
 * client's CPU and the server's do not share one event loop. Prints `{ kubeconfig }` once listening; on the line
 * `reset` on stdin it zeroes its counters, on `stats` it prints them, with the CPU time it used since the reset, and
 * exits.
 */
import { createInterface } from 'node:readline';
import { workload } from '../src/testing/fixtures.js';
import { startKubeServer } from '../src/testing/kube-server.js';

const [count, latencyMs, qps, burst] = process.argv.slice(2).map(Number) as [number, number, number, number];
const objects = Array.from({ length: count }, (_, i) =>
  workload('Deployment', 'shop', `web-${String(i).padStart(4, '0')}`, { spec: { replicas: 3 } }),
);
const api = await startKubeServer({ objects, latencyMs, qps, burst, rollouts: false });
process.stdout.write(`${JSON.stringify({ kubeconfig: api.kubeconfig })}\n`);
let cpu = process.cpuUsage();
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'reset') {
    api.resetStats();
    cpu = process.cpuUsage();
    process.stdout.write('{"reset":true}\n');
  } else if (line === 'stats') {
    const used = process.cpuUsage(cpu);
    process.stdout.write(`${JSON.stringify({ ...api.stats, cpuMs: (used.user + used.system) / 1000 })}\n`);
    await api.close();
    process.exit(0);
  }
}
