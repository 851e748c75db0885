/**
 * @module Finds the cluster as kubectl does: `--kubeconfig`, else `KUBECONFIG`, else ~/.kube/config, else the
 * in-cluster service account; `--context` picks a context.
 */
import { KubeConfig } from '@kubernetes/client-node';

/** A usage mistake (bad flag value, unknown context): the CLI exits 2 on it. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Where to find the cluster. */
export interface ConfigOptions {
  kubeconfig?: string | undefined;
  context?: string | undefined;
}

/**
 * @param opts - `kubeconfig` path and `context` name, both optional.
 * @returns the loaded config and the context's default namespace (`default` when it names none).
 * @throws UsageError when the file cannot be read or the context does not exist.
 */
export function loadConfig(opts: ConfigOptions): { kc: KubeConfig; namespace: string } {
  const kc = new KubeConfig();
  try {
    // loadFromDefault reads KUBECONFIG (a list of files), then ~/.kube/config, then the in-cluster service account.
    if (opts.kubeconfig !== undefined) kc.loadFromFile(opts.kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    throw new UsageError(
      `cannot load kubeconfig ${opts.kubeconfig ?? process.env.KUBECONFIG ?? '(default)'}: ${(error as Error).message}`,
    );
  }
  if (opts.context !== undefined) {
    if (kc.getContextObject(opts.context) == null) {
      const known = kc.getContexts().map((c) => c.name);
      throw new UsageError(
        `--context: no context ${JSON.stringify(opts.context)} in the kubeconfig (known: ${known.join(', ') || 'none'})`,
      );
    }
    kc.setCurrentContext(opts.context);
  }
  if (kc.getCurrentCluster() == null) {
    throw new UsageError('no cluster: pass --kubeconfig, set KUBECONFIG, or run inside a cluster');
  }
  const namespace = kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  return { kc, namespace };
}
