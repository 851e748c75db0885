import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../kube/config.js';
import { DEFAULTS, parseArgs } from './options.js';

function parse(args: string[]): { result?: ReturnType<typeof parseArgs>; error?: unknown; err: string } {
  let err = '';
  try {
    return { result: parseArgs(args, { out: () => {}, err: (s) => (err += s) }), err };
  } catch (error) {
    return { error, err };
  }
}

describe('parseArgs', () => {
  const bad: Array<[string[], RegExp]> = [
    [['check', '--qps', '0'], /--qps: expected a number above 0, got "0"/],
    [['check', '--qps', 'fast'], /--qps: expected a number above 0, got "fast"/],
    [['check', '--concurrency', '2.5'], /--concurrency: expected an integer from 1 up, got "2.5"/],
    [['check', '--burst', '0'], /--burst: expected an integer from 1 up, got "0"/],
    [['check', '--kinds', 'Deployment,Pod'], /--kinds: unknown kind "Pod"/],
    [['check', '-n', 'a', '-A'], /cannot be used together/],
  ];
  for (const [args, message] of bad) {
    it(`rejects ${args.join(' ')} with a UsageError naming the value`, () => {
      const { error } = parse(args);
      assert.ok(error instanceof UsageError, `parseArgs(${JSON.stringify(args)}) did not throw a UsageError`);
      assert.match(error.message, message);
    });
  }

  const exit2: Array<[string[], RegExp]> = [
    [[], /Usage: goscale-hibernate/],
    [['check', '-o', 'yaml'], /argument 'yaml' is invalid/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['check', '--nope'], /unknown option '--nope'/],
  ];
  for (const [args, message] of exit2) {
    it(`answers exit 2 for ${JSON.stringify(args)}`, () => {
      const { result, err } = parse(args);
      assert.deepEqual(result, { exit: 2 });
      assert.match(err, message);
    });
  }

  it('answers exit 0 for --help', () => {
    assert.deepEqual(parse(['--help']).result, { exit: 0 });
  });

  it('reads kubectl-style flags, with the documented defaults', () => {
    const { result } = parse([
      'hibernate',
      '-A',
      '-l',
      'app=web',
      '--kinds',
      'deployments,CronJob',
      '--context',
      'prod',
      '-o',
      'json',
    ]);
    assert.deepEqual(result, {
      command: 'hibernate',
      kubeconfig: undefined,
      context: 'prod',
      namespace: undefined,
      allNamespaces: true,
      selector: 'app=web',
      kinds: ['Deployment', 'CronJob'],
      excludeNamespaces: new Set(['kube-system', 'kube-public', 'kube-node-lease']),
      dryRun: false,
      concurrency: DEFAULTS.concurrency,
      qps: DEFAULTS.qps,
      burst: DEFAULTS.burst,
      output: 'json',
    });
  });
});
