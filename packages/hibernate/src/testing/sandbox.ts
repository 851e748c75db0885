/**
 * @module `npm run sandbox -w @goscale/hibernate`: no cluster at hand? Starts the tests' loopback API server with a
 * generated cluster and writes its kubeconfig to a fixed path, so the quick start works on a fresh clone:
 * `npx goscale-hibernate check -A --kubeconfig <that path>`. Prints the path on stdout (one line) and how to use it
 * on stderr; runs until SIGINT or SIGTERM. Arguments: the number of workloads (default 40) and a seed (default 1).
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCluster } from './fixtures.js';
import { startKubeServer } from './kube-server.js';

const [count = 40, seed = 1] = process.argv.slice(2).map(Number);
if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(seed))
  throw new RangeError(
    `sandbox: expected a workload count >= 1 and an integer seed, got ${JSON.stringify(process.argv.slice(2))}`,
  );
const api = await startKubeServer({ objects: makeCluster(seed, count) });
const dir = join(tmpdir(), 'goscale-hibernate-sandbox');
const kubeconfig = join(dir, 'kubeconfig');
await mkdir(dir, { recursive: true });
await copyFile(api.kubeconfig, kubeconfig);
process.stdout.write(`${kubeconfig}\n`);
process.stderr.write(
  `goscale-hibernate sandbox: ${count} workloads at ${api.url} (Ctrl-C stops it). Try:\n` +
    `  npx goscale-hibernate check -A --kubeconfig ${kubeconfig}\n`,
);
const stop = async (): Promise<void> => {
  await api.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
