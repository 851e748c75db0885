#!/usr/bin/env node
/**
 * @module The `goscale-hibernate` command: check, hibernate, restore. Exit codes: 0 all done, 1 some objects failed,
 * 2 bad usage, 130 interrupted.
 */
import { setMaxListeners } from 'node:events';
import { KubeClient } from '../kube/client.js';
import { loadConfig, UsageError } from '../kube/config.js';
import { run } from '../run/run.js';
import { parseArgs } from './options.js';
import { progressBar } from './progress.js';
import { render } from './render.js';
import { apiMessage } from '../run/act.js';

/**
 * Runs the CLI.
 * @param argv - the arguments after the script.
 * @returns the exit code.
 */
export async function main(argv: string[]): Promise<number> {
  const write = {
    out: (s: string) => void process.stdout.write(s),
    err: (s: string) => void process.stderr.write(s),
  };
  let parsed;
  let config;
  try {
    parsed = parseArgs(argv, write);
    if ('exit' in parsed) return parsed.exit;
    config = loadConfig({ kubeconfig: parsed.kubeconfig, context: parsed.context });
  } catch (error) {
    if (error instanceof UsageError) {
      write.err(`goscale-hibernate: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const opts = parsed;
  // First SIGINT: admit no new request, let the patches in flight finish, report. Second: drop those too.
  const stop = new AbortController();
  const abort = new AbortController();
  // Every queued limiter wait and every fetch in flight listens on these: one listener each, removed when done.
  setMaxListeners(Infinity, stop.signal, abort.signal);
  const onSigint = (): void => {
    if (!stop.signal.aborted) {
      process.stderr.write(
        '\ngoscale-hibernate: interrupted: finishing the patches in flight (Ctrl-C again to drop them)\n',
      );
      stop.abort(new DOMException('interrupted', 'AbortError'));
    } else abort.abort(new DOMException('interrupted twice', 'AbortError'));
  };
  process.on('SIGINT', onSigint);
  const bar = progressBar(opts.command);
  try {
    const client = new KubeClient(config.kc, { qps: opts.qps, burst: opts.burst });
    const report = await run(client, {
      command: opts.command,
      namespace: opts.allNamespaces ? undefined : (opts.namespace ?? config.namespace),
      selector: opts.selector,
      kinds: opts.kinds,
      excludedNamespaces: opts.excludeNamespaces,
      dryRun: opts.dryRun,
      concurrency: opts.concurrency,
      stop: stop.signal,
      abort: abort.signal,
      onProgress: bar.update,
    });
    bar.stop();
    write.out(render(report, opts.output));
    const failed = report.items.filter((i) => i.action === 'failed');
    for (const f of failed)
      write.err(`goscale-hibernate: ${f.kind} ${f.namespace}/${f.name} failed: ${f.reason}\n`);
    if (report.summary.interrupted) return 130;
    return failed.length > 0 ? 1 : 0;
  } catch (error) {
    bar.stop();
    if (stop.signal.aborted) return 130;
    write.err(`goscale-hibernate: ${apiMessage(error)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

const code = await main(process.argv.slice(2));
// Let stdout drain before exiting: a piped `-o json` must arrive whole.
process.stdout.write('', () => process.exit(code));
