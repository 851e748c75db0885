/**
 * @module The benchmark's hand-written floor: the same list and JSON Patches as goscale-hibernate, sent with bare
 * node:https over one keep-alive agent, paced at the same rate with the same number in flight, and no library in
 * between (no @kubernetes/client-node, no goscale). What it costs is what the machine charges for the requests
 * themselves (TLS, loopback, the server); the tool's row over this row is the tool's own overhead.
 */
import { Agent, request } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { hibernatePlan } from '../src/patch/plan.js';
import type { Workload } from '../src/workload/object.js';

/** How the floor sends. */
export interface FloorOptions {
  qps: number;
  concurrency: number;
}

/**
 * Lists the Deployments of `namespace` and hibernates each with one JSON Patch.
 * @returns how many were hibernated (answered 200).
 */
export async function hibernateByHand(
  kc: KubeConfig,
  namespace: string,
  opts: FloorOptions,
): Promise<number> {
  const cluster = kc.getCurrentCluster()!;
  const token = kc.getCurrentUser()!.token!;
  const agent = new Agent({ keepAlive: true, ca: Buffer.from(cluster.caData!, 'base64').toString() });
  const send = (method: string, path: string, body?: string): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
      };
      if (body !== undefined) {
        headers['content-type'] = 'application/json-patch+json';
        headers['content-length'] = String(Buffer.byteLength(body));
      }
      const req = request(new URL(path, cluster.server), { method, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  try {
    const base = `/apis/apps/v1/namespaces/${namespace}/deployments`;
    const items: Workload[] = [];
    let cont = '';
    do {
      const page = await send('GET', `${base}?limit=500${cont === '' ? '' : `&continue=${cont}`}`);
      const list = JSON.parse(page.text) as { items: Workload[]; metadata: { continue?: string } };
      items.push(...list.items.map((w) => ({ ...w, kind: 'Deployment' })));
      cont = list.metadata.continue ?? '';
    } while (cont !== '');
    // Pacing without a bucket: each send takes the next slot 1/qps after the previous one, or now if that is past,
    // so a stall never lets sends bunch up.
    const interval = 1000 / opts.qps;
    let slot = performance.now();
    let next = 0;
    let hibernated = 0;
    const worker = async (): Promise<void> => {
      while (next < items.length) {
        const w = items[next++]!;
        const plan = hibernatePlan(w);
        if (!plan.ok) throw new Error(`floor: ${w.metadata.name}: ${plan.reason}`);
        slot = Math.max(performance.now(), slot + interval);
        const wait = slot - performance.now();
        if (wait > 0) await sleep(wait);
        const r = await send('PATCH', `${base}/${w.metadata.name}`, JSON.stringify(plan.ops));
        if (r.status === 200) hibernated++;
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    return hibernated;
  } finally {
    agent.destroy();
  }
}
