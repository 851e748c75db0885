/**
 * @module The command line, as kubectl users expect it, parsed by commander into checked options.
 */
import { Command as Program, CommanderError, Option } from 'commander';
import { UsageError } from '../kube/config.js';
import { KIND_NAMES, parseKinds } from '../workload/kinds.js';
import type { Command } from '../run/types.js';

/** The defaults, and why. */
export const DEFAULTS = Object.freeze({
  /**
   * client-go's 5 QPS / burst 10 would take over 3 minutes for 1,000 patches. 50/s finishes them in about 20 s
   * and stays far below what one client is allowed under the API server's default API Priority and Fairness
   * shares; raise it on a big control plane, lower it on a small one.
   */
  qps: 50,
  /** Enough to absorb the list calls at the start without delaying the first patches. */
  burst: 100,
  /** At 50 QPS and a typical 20–50 ms per request, 16 in flight keep the limiter, not latency, the bound. */
  concurrency: 16,
  excludeNamespaces: 'kube-system,kube-public,kube-node-lease',
});

/** Everything a run needs from the command line. */
export interface CliOptions {
  command: Command;
  kubeconfig: string | undefined;
  context: string | undefined;
  namespace: string | undefined;
  allNamespaces: boolean;
  selector: string | undefined;
  kinds: string[];
  excludeNamespaces: Set<string>;
  dryRun: boolean;
  concurrency: number;
  qps: number;
  burst: number;
  output: 'table' | 'json';
}

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
      throw new UsageError(`${flag}: expected an integer from 1 up, got ${JSON.stringify(value)}`);
    }
    return n;
  };
}

function positiveNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
      throw new UsageError(`${flag}: expected a number above 0, got ${JSON.stringify(value)}`);
    }
    return n;
  };
}

/**
 * Parses argv (without node and the script).
 * @returns the options, or `{ exit }` when commander printed help/version (exit 0) or a usage error (exit 2).
 * @throws UsageError for a bad value (the CLI prints it and exits 2).
 */
export function parseArgs(
  argv: string[],
  write: { out: (s: string) => void; err: (s: string) => void },
): CliOptions | { exit: number } {
  let parsed: CliOptions | undefined;
  const program = new Program('goscale-hibernate')
    .description(
      'Checks, hibernates (scales to 0, suspends CronJobs) and restores the workloads of a Kubernetes cluster.',
    )
    .exitOverride()
    .configureOutput({ writeOut: write.out, writeErr: write.err })
    .showHelpAfterError();
  for (const name of ['check', 'hibernate', 'restore'] as const) {
    const about = {
      check: 'every workload in scope with its verdict and the reason, then a summary',
      hibernate:
        'scale every hibernatable workload to 0 (CronJobs: suspend), keeping the original in an annotation',
      restore: 'put back exactly what hibernate changed and remove its annotation',
    }[name];
    program
      .command(name)
      .description(about)
      .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
      .option('--context <name>', 'kubeconfig context to use')
      .option('-n, --namespace <ns>', "only this namespace (default: the context's namespace)")
      .option('-A, --all-namespaces', 'every namespace', false)
      .option('-l, --selector <selector>', 'label selector, e.g. app=web,tier!=db')
      .option('--kinds <kinds>', `comma-separated kinds (${KIND_NAMES.join(', ')})`, KIND_NAMES.join(','))
      .option('--exclude-namespaces <list>', 'namespaces never touched', DEFAULTS.excludeNamespaces)
      .option('--dry-run', 'print the exact patches, change nothing', false)
      .addOption(
        new Option('--concurrency <n>', 'workloads patched at once')
          .argParser(positiveInt('--concurrency'))
          .default(DEFAULTS.concurrency),
      )
      .addOption(
        new Option('--qps <n>', 'requests per second, client-side')
          .argParser(positiveNumber('--qps'))
          .default(DEFAULTS.qps),
      )
      .addOption(
        new Option('--burst <n>', 'requests at once after a quiet spell')
          .argParser(positiveInt('--burst'))
          .default(DEFAULTS.burst),
      )
      .addOption(
        new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'),
      )
      .action((o: Record<string, unknown>) => {
        if (o.allNamespaces === true && o.namespace !== undefined)
          throw new UsageError('-n/--namespace and -A/--all-namespaces cannot be used together');
        parsed = {
          command: name,
          kubeconfig: o.kubeconfig as string | undefined,
          context: o.context as string | undefined,
          namespace: o.namespace as string | undefined,
          allNamespaces: o.allNamespaces === true,
          selector: o.selector as string | undefined,
          kinds: wrapRange(() => parseKinds(o.kinds as string)),
          excludeNamespaces: new Set(
            (o.excludeNamespaces as string)
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
          ),
          dryRun: o.dryRun === true,
          concurrency: o.concurrency as number,
          qps: o.qps as number,
          burst: o.burst as number,
          output: o.output as 'table' | 'json',
        };
      });
  }
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version exit 0; every parse error is a usage error: 2, as kubectl and getopt tools do.
      return { exit: error.exitCode === 0 ? 0 : 2 };
    }
    throw error;
  }
  if (parsed === undefined) {
    write.err(program.helpInformation());
    return { exit: 2 };
  }
  return parsed;
}

function wrapRange<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
}
