// Runs the built goscale/worker in a plain node process (no tsx, no source condition); prints one JSON line.
// It never calls close(): the process must still exit once the pool is idle.
import { WorkerPool } from 'goscale/worker';

const pool = new WorkerPool(new URL('./dist-task.mjs', import.meta.url), { threads: 2, abortGraceMs: 10 });
const out = {};
out.entry = import.meta.resolve('goscale/worker');
out.echo = await Promise.all([1, 2, 3].map((x) => pool.run(x)));
out.filled = [...(await pool.run(3, { name: 'filled' }))];
out.error = await pool.run('bad', { name: 'fail' }).catch((e) => `${e.constructor.name}: ${e.message}`);
const gate = new SharedArrayBuffer(8);
const controller = new AbortController();
const spin = pool.run({ gate }, { name: 'spin', signal: controller.signal });
const s = new Int32Array(gate);
while (Atomics.load(s, 0) === 0) await Atomics.waitAsync(s, 0, 0).value;
controller.abort(new Error('stop'));
out.aborted = await spin.catch((e) => e.message);
out.after = await pool.run('after');
process.stdout.write(`${JSON.stringify(out)}\n`);
