/**
 * @module The talk's demo: `npm run demo -- [--section N] [--quick] [--json] [--html report.html] [--seed S]`, or
 * `npm run demo -- --serve [--port N]` for the live dashboard.
 */
import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { agent } from './lib/client.js';
import { ProgressLine, paint, renderConclusions, renderTable, wantsColour, fmtMs } from './lib/format.js';
import { startDashboard } from './dashboard/server.js';
import { renderHtml } from './lib/html.js';
import { SECTIONS, SECTION_NUMBERS, runSection, type SectionResult } from './sections/index.js';

export { runSection } from './sections/index.js';
export type { Conclusion, RunOptions, SectionResult, Table } from './sections/index.js';

const USAGE = `Usage: npm run demo -- [options]   (from packages/demo: npm start -- [options])
  --section N     run only section N (${SECTION_NUMBERS.join(', ')}; repeatable)
  --quick         small sizes, a few seconds per section
  --seed S        seed for every latency distribution (default 42)
  --json          print all measurements as JSON on stdout (and nothing else)
  --html FILE     also write a self-contained HTML report with a timeline per strategy
  --serve         serve the live dashboard and talk mode on 127.0.0.1 instead (sections run from the page)
  --port N        the dashboard's port (default 8080; 0 picks a free one)
  --help          this text
`;

/** The dashboard's port when `--port` is not given. */
export const DEFAULT_PORT = 8080;

/** Parsed command line. */
export interface CliOptions {
  sections: number[];
  quick: boolean;
  seed: number;
  json: boolean;
  html: string | undefined;
  /** Serve the live dashboard instead of running sections here. */
  serve: boolean;
  port: number;
  help: boolean;
}

/**
 * Parses the demo's arguments with `util.parseArgs`; bad values throw a TypeError/RangeError quoting them.
 * @param argv - the arguments after the script name.
 * @returns the options.
 * @example
 * ```ts
 * parseCli(['--section', '2', '--quick']) // { sections: [2], quick: true, seed: 42, … }
 * ```
 */
export function parseCli(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      section: { type: 'string', multiple: true },
      quick: { type: 'boolean', default: false },
      seed: { type: 'string', default: '42' },
      json: { type: 'boolean', default: false },
      html: { type: 'string' },
      serve: { type: 'boolean', default: false },
      port: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const sections = (values.section ?? SECTION_NUMBERS.map(String)).map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || SECTIONS[n] === undefined) {
      throw new RangeError(
        `demo: expected --section to be ${SECTION_NUMBERS[0]} to ${SECTION_NUMBERS.at(-1)}, got \`${s}\``,
      );
    }
    return n;
  });
  const seed = Number(values.seed);
  if (!Number.isInteger(seed))
    throw new RangeError(`demo: expected --seed to be an integer, got \`${values.seed}\``);
  const port = Number(values.port ?? DEFAULT_PORT);
  if (values.port !== undefined && !values.serve) {
    throw new TypeError(`demo: --port needs --serve, got \`--port ${values.port}\` alone`);
  }
  if (!/^\d+$/.test(values.port ?? '0') || port > 65535) {
    throw new RangeError(`demo: expected --port to be 0 to 65535, got \`${values.port}\``);
  }
  if (values.serve) {
    const conflicting = (['section', 'json', 'html'] as const).find((k) =>
      k === 'json' ? values.json : values[k] !== undefined,
    );
    if (conflicting !== undefined) {
      throw new TypeError(`demo: --serve runs sections from the page; drop --${conflicting}`);
    }
  }
  return {
    sections,
    quick: values.quick,
    seed,
    json: values.json,
    html: values.html,
    serve: values.serve,
    port,
    help: values.help,
  };
}

/**
 * Runs the demo with `argv`: the sections in order, printing as each finishes, then the HTML and JSON if asked.
 * @param argv - the arguments after the script name.
 * @returns the process exit code (2 for a bad command line).
 * @example
 * ```ts
 * process.exitCode = await main(['--section', '1']);
 * ```
 */
export async function main(argv: string[]): Promise<number> {
  let cli: CliOptions;
  try {
    cli = parseCli(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (cli.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (cli.serve) {
    const dashboard = await startDashboard({
      port: cli.port,
      seed: cli.seed,
      quick: cli.quick,
      signals: ['SIGINT', 'SIGTERM'],
      exit: true,
    });
    process.stdout.write(
      `goscale dashboard: ${dashboard.url}   talk mode: ${dashboard.url}#talk   (seed ${cli.seed}; Ctrl-C stops)\n`,
    );
    return 0;
  }
  const colour = wantsColour(process.stdout);
  const line = new ProgressLine(process.stderr);
  const out = (text: string): void => {
    if (!cli.json) process.stdout.write(text);
  };
  out(
    paint(colour, 'bold', `goscale demo`) +
      paint(
        colour,
        'dim',
        ` — seed ${cli.seed}${cli.quick ? ', quick' : ''}; every number below was measured just now\n`,
      ),
  );
  const results: SectionResult[] = [];
  const started = performance.now();
  for (const n of cli.sections) {
    const title = `${n}. ${SECTIONS[n]!.title}`;
    const missing = SECTIONS[n]!.unavailable?.();
    if (missing !== undefined) {
      // One line, and the other sections run as before.
      out(`\n${paint(colour, 'dim', `${title}: skipped, ${missing}`)}\n`);
      continue;
    }
    line.update(`${title} …`, true);
    const result = await runSection(n, { seed: cli.seed, quick: cli.quick, progress: (t) => line.update(t) });
    line.clear();
    results.push(result);
    out(`\n${paint(colour, ['bold', 'cyan'], `━━ ${title} ━━`)}\n`);
    for (const table of result.tables) out(`\n${renderTable(table, colour)}`);
    out(`\n${renderConclusions(result.conclusions, colour)}`);
  }
  const totalMs = performance.now() - started;
  agent.destroy();
  const claims = results.flatMap((r) => r.conclusions.filter((c) => c.claim !== undefined));
  if (claims.length > 0) {
    out(`\n${paint(colour, 'bold', "The talk's claims, against this run")}\n`);
    out(
      renderConclusions(
        claims.map((c) => ({ ok: c.ok, text: `"${c.claim}": ${c.text}` })),
        colour,
      ),
    );
  }
  const supported = results.flatMap((r) => r.conclusions).filter((c) => c.ok).length;
  const total = results.flatMap((r) => r.conclusions).length;
  out(
    `\n${paint(colour, 'dim', `${supported} of ${total} conclusions backed by this run; total ${fmtMs(totalMs)}.`)}\n`,
  );
  if (cli.html !== undefined) {
    await writeFile(cli.html, renderHtml(results, { seed: cli.seed, quick: cli.quick }));
    out(paint(colour, 'dim', `HTML report written to ${cli.html}\n`));
  }
  if (cli.json) {
    process.stdout.write(
      `${JSON.stringify({ seed: cli.seed, quick: cli.quick, totalMs, sections: results }, null, 2)}\n`,
    );
  }
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`demo failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
