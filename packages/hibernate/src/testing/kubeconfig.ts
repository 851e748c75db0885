/**
 * @module Writes a kubeconfig file for the test API server, as `kubectl config view --raw` would show it.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What goes in the kubeconfig. */
export interface KubeconfigOptions {
  server: string;
  /** The CA's PEM, stored as certificate-authority-data. */
  ca: string;
  token: string;
  /** The context's default namespace, if any. */
  namespace?: string;
}

/**
 * @param opts - server URL, CA, bearer token, default namespace.
 * @returns the path of a new kubeconfig file (in a fresh temporary folder) with one cluster, user and context.
 */
export async function writeKubeconfig(opts: KubeconfigOptions): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'goscale-hibernate-'));
  const path = join(dir, 'kubeconfig');
  const ns = opts.namespace === undefined ? '' : `\n    namespace: ${opts.namespace}`;
  await writeFile(
    path,
    `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: ${opts.server}
    certificate-authority-data: ${Buffer.from(opts.ca).toString('base64')}
users:
- name: tester
  user:
    token: ${opts.token}
contexts:
- name: test
  context:
    cluster: test
    user: tester${ns}
current-context: test
`,
  );
  return path;
}
