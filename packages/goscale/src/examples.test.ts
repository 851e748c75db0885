/**
 * The code in the documentation compiles against the real public API: every ```ts block of the READMEs and every
 * TSDoc `@example` of the library (conventions in `testing/examples.ts`).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { markdownExamples, tsdocExamples, typeCheckExamples, type Example } from './testing/examples.js';

const src = path.dirname(fileURLToPath(import.meta.url));
const pkg = path.dirname(src);
const root = path.resolve(pkg, '../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'testing' ? [] : sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

describe('documentation examples', () => {
  const readmes = [
    path.join(root, 'README.md'),
    ...readdirSync(path.join(root, 'packages')).map((p) => path.join(root, 'packages', p, 'README.md')),
  ].filter((f) => existsSync(f));
  const fromReadmes = readmes.flatMap(markdownExamples);
  const fromTsdoc = sources(src).flatMap((f) => tsdocExamples(f, pkg));

  it('finds the examples (so that an empty extraction cannot pass)', () => {
    assert.ok(fromReadmes.length >= 8, `README blocks found: ${fromReadmes.length}`);
    assert.ok(fromTsdoc.length >= 60, `TSDoc examples found: ${fromTsdoc.length}`);
  });

  it('type-check against the public API', () => {
    // Two wrong examples checked in the same program prove that a mistake is caught and placed at its line.
    const wrong: Example[] = [
      { where: 'wrong.md:10', dir: pkg, code: "const sem = new Semaphore(4);\nawait sem.acquire('1');" },
      {
        where: 'wrong.md:20',
        dir: pkg,
        code: "import { Limiter } from 'goscale';\nnew Limiter({ rate: 1 });",
      },
    ];
    const all: Example[] = [...fromReadmes, ...fromTsdoc, ...wrong];
    const errors = typeCheckExamples(root, all, path.join(src, 'testing/example-names.ts'));
    const [first, second, ...rest] = errors.filter((e) => e.startsWith('wrong.md'));
    assert.match(
      first ?? '',
      /^wrong\.md:11: Argument of type 'string' is not assignable to parameter of type 'number'/,
    );
    assert.match(
      second ?? '',
      /^wrong\.md:21: Argument of type '{ rate: number; }' is not assignable to parameter of type 'LimiterOptions'/,
    );
    assert.deepEqual(rest, []);
    const real = errors.filter((e) => !e.startsWith('wrong.md'));
    assert.deepEqual(real, [], `${real.length} type errors in the documentation:\n${real.join('\n')}`);
  });
});
