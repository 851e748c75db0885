/**
 * @module Runs the real goscale-hibernate CLI as a child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('..', import.meta.url));
const SOURCE_MAIN = join(SRC, 'cli/main.ts');
const BUILT_MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/**
 * The command to run: the built bin (dist/cli/main.js, what `npx goscale-hibernate` runs) when it is newer than
 * every source file it is built from, else the sources through tsx. Starting through tsx costs about 2 s more per
 * process on a busy 2-core machine, and these tests start a dozen and a half.
 */
function command(): string[] {
  let built: number;
  try {
    built = statSync(BUILT_MAIN).mtimeMs;
  } catch {
    return ['--conditions=source', '--import', 'tsx', SOURCE_MAIN];
  }
  const stale = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return e.name !== 'testing' && stale(path);
      return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && statSync(path).mtimeMs > built;
    });
  return stale(SRC) ? ['--conditions=source', '--import', 'tsx', SOURCE_MAIN] : [BUILT_MAIN];
}

/** A finished CLI run. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Whether the tests run the built bin (reported once by the test files). */
export const CLI_COMMAND = command();

/**
 * Starts the CLI with `args`; `KUBECONFIG` is cleared unless given in `env`, so a test never reaches a real cluster.
 * @returns the child and a promise of its result.
 */
export function startCli(
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [...CLI_COMMAND, ...args], {
    env: { ...process.env, KUBECONFIG: '', HOME: '/nonexistent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Runs the CLI to the end. */
export function runCli(args: string[], env?: Record<string, string>): Promise<CliResult> {
  return startCli(args, env).done;
}
