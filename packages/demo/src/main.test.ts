import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseCli } from './main.js';

describe('parseCli', () => {
  it('defaults to every section, seed 42, no quick, no json, no html', () => {
    assert.deepEqual(parseCli([]), {
      sections: [1, 2, 3, 4, 5, 6],
      quick: false,
      seed: 42,
      json: false,
      html: undefined,
      serve: false,
      port: 8080,
      help: false,
    });
  });

  it('reads repeated sections, a seed and the output options', () => {
    assert.deepEqual(
      parseCli(['--section', '2', '--section', '5', '--quick', '--seed', '7', '--json', '--html', 'r.html']),
      {
        sections: [2, 5],
        quick: true,
        seed: 7,
        json: true,
        html: 'r.html',
        serve: false,
        port: 8080,
        help: false,
      },
    );
  });

  it('rejects bad values, quoting them', () => {
    assert.throws(() => parseCli(['--section', '9']), { name: 'RangeError', message: /got `9`/ });
    assert.throws(() => parseCli(['--seed', 'x']), { name: 'RangeError', message: /got `x`/ });
    assert.throws(() => parseCli(['--bogus']), /bogus/);
    assert.throws(() => parseCli(['--serve', '--port', '70000']), {
      name: 'RangeError',
      message: /got `70000`/,
    });
    assert.throws(() => parseCli(['--serve', '--port=1.5']), { name: 'RangeError', message: /got `1.5`/ });
    assert.throws(() => parseCli(['--port', '0']), { name: 'TypeError', message: /--port needs --serve/ });
    assert.throws(() => parseCli(['--serve', '--section', '1']), { message: /drop --section/ });
  });

  it('reads --serve with a port (0 picks a free one)', () => {
    const cli = parseCli(['--serve', '--port', '0', '--quick']);
    assert.equal(cli.serve, true);
    assert.equal(cli.port, 0);
    assert.equal(cli.quick, true);
  });
});

describe('npm run demo -- --json', () => {
  it('prints only JSON on stdout, with the measurements and the conclusions of the sections asked for', async () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [
          '--conditions=source',
          '--import',
          import.meta.resolve('tsx'),
          main,
          '--section',
          '2',
          '--quick',
          '--json',
        ],
        { timeout: 30_000 },
        (error, out) => (error ? reject(error) : resolve(out)),
      );
    });
    const report = JSON.parse(stdout) as {
      seed: number;
      sections: Array<{ section: number; conclusions: unknown[] }>;
    };
    assert.equal(report.seed, 42);
    assert.deepEqual(
      report.sections.map((s) => s.section),
      [2],
    );
    assert.ok(report.sections[0]!.conclusions.length > 0);
  });
});
