import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeComment, encodeEvent, encodeRetry, type SseEvent } from './format.js';
import { parseEventStream } from './spec-parser.test.js';

describe('encodeEvent', () => {
  const table: { name: string; input: SseEvent; want: string }[] = [
    { name: 'one line', input: { data: 'hello' }, want: 'data: hello\n\n' },
    { name: 'empty data', input: { data: '' }, want: 'data: \n\n' },
    { name: 'LF splits lines', input: { data: 'a\nb' }, want: 'data: a\ndata: b\n\n' },
    { name: 'CR splits lines', input: { data: 'a\rb' }, want: 'data: a\ndata: b\n\n' },
    { name: 'CRLF is one break', input: { data: 'a\r\nb' }, want: 'data: a\ndata: b\n\n' },
    { name: 'LF CR is two breaks', input: { data: 'a\n\rb' }, want: 'data: a\ndata: \ndata: b\n\n' },
    { name: 'trailing break', input: { data: 'a\n' }, want: 'data: a\ndata: \n\n' },
    { name: 'leading space kept', input: { data: ' a' }, want: 'data:  a\n\n' },
    { name: 'colon in data', input: { data: 'id: 5' }, want: 'data: id: 5\n\n' },
    { name: 'object as JSON', input: { data: { a: [1, 'x\ny'] } }, want: 'data: {"a":[1,"x\\ny"]}\n\n' },
    { name: 'number as JSON', input: { data: 42 }, want: 'data: 42\n\n' },
    { name: 'null as JSON', input: { data: null }, want: 'data: null\n\n' },
    {
      name: 'event and id first',
      input: { data: 'x', event: 'tick', id: '7' },
      want: 'event: tick\nid: 7\ndata: x\n\n',
    },
    { name: 'empty id (resets)', input: { data: 'x', id: '' }, want: 'id: \ndata: x\n\n' },
    { name: 'unicode as is', input: { data: 'π 😀', event: 'é' }, want: 'event: é\ndata: π 😀\n\n' },
  ];
  for (const { name, input, want } of table) {
    it(`encodes ${name}`, () => {
      assert.equal(encodeEvent(input), want, `encodeEvent(${JSON.stringify(input)})`);
    });
  }

  const injections: { input: SseEvent; message: RegExp }[] = [
    {
      input: { data: 'x', event: 'a\ndata: evil' },
      message: /`event` must not contain CR, LF or NUL, got `"a\\ndata: evil"`/,
    },
    { input: { data: 'x', event: 'a\rretry: 1' }, message: /`event`.*"a\\rretry: 1"/ },
    {
      input: { data: 'x', id: '1\n\ndata: evil' },
      message: /`id` must not contain CR, LF or NUL, got `"1\\n\\ndata: evil"`/,
    },
    { input: { data: 'x', id: '1\u0000' }, message: /`id`.*"1\\u0000"/ },
    {
      input: { data: 'x', id: 7 as unknown as string },
      message: /expected `id` to be a string, got `7` \(number\)/,
    },
    {
      input: { data: 'x', event: null as unknown as string },
      message: /expected `event` to be a string, got `null` \(null\)/,
    },
  ];
  for (const { input, message } of injections) {
    it(`rejects a field-injection attempt ${JSON.stringify(input)} with a TypeError quoting it`, () => {
      assert.throws(() => encodeEvent(input), { name: 'TypeError', message });
    });
  }

  it('rejects data without JSON text (undefined, functions, BigInt, cycles) with a TypeError', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const data of [undefined, () => 1, 10n, cyclic, Symbol('s')]) {
      assert.throws(() => encodeEvent({ data }), {
        name: 'TypeError',
        message: /`data` cannot be JSON-encoded/,
      });
    }
    assert.throws(() => encodeEvent(null as unknown as SseEvent), {
      name: 'TypeError',
      message: /got `null`/,
    });
  });

  it('gives back any data string when parsed by the spec rules', () => {
    const lineBreaky = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc
        .array(fc.constantFrom('\r', '\n', '\r\n', ' ', ':', 'a', 'data:', '\0', '\uFEFF', 'é', '😀'), {
          maxLength: 40,
        })
        .map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(
        lineBreaky,
        fc.option(fc.string({ unit: 'grapheme', maxLength: 10 }).filter(ok)),
        (data, type) => {
          const wire = Buffer.from(encodeEvent({ data, event: type ?? undefined, id: 'i' })).toString('utf8');
          const parsed = parseEventStream(wire);
          // UTF-8 has no lone surrogates: what arrives is the well-formed string, line breaks normalized to LF.
          const want = Buffer.from(data)
            .toString('utf8')
            .replace(/\r\n|\r/g, '\n');
          assert.deepEqual(parsed.events, [{ type: type || 'message', data: want, lastEventId: 'i' }]);
        },
      ),
      { numRuns: 10_000 },
    );
  });
});

function ok(s: string): boolean {
  return !/[\r\n\0]/.test(s);
}

describe('encodeComment and encodeRetry', () => {
  it('encodes a comment the parser ignores and rejects one with a line break', () => {
    assert.equal(encodeComment('ping'), ': ping\n\n');
    assert.equal(encodeComment(''), ':\n\n');
    assert.deepEqual(parseEventStream(encodeComment('ping')).events, []);
    assert.throws(() => encodeComment('a\ndata: x'), { name: 'TypeError', message: /"a\\ndata: x"/ });
  });

  it('encodes retry as digits only and rejects anything without a digits-only form', () => {
    assert.equal(encodeRetry(0), 'retry: 0\n\n');
    assert.equal(encodeRetry(3000), 'retry: 3000\n\n');
    assert.equal(parseEventStream(encodeRetry(1234)).retry, 1234);
    for (const bad of [-1, 1.5, Infinity]) {
      assert.throws(() => encodeRetry(bad), { name: 'RangeError', message: /from 0 and up, got `/ });
    }
    // Past 2^53 a number's decimal form is no longer its digits; the bound is named.
    assert.throws(() => encodeRetry(1e21), {
      name: 'RangeError',
      message: /from 0 to 9007199254740991 \(Number.MAX_SAFE_INTEGER\), got `1000000000000000000000`/,
    });
    // NaN is refused as every check of the library refuses it: as not a number.
    assert.throws(() => encodeRetry(NaN), { name: 'TypeError', message: /got `NaN` \(number\)/ });
    assert.throws(() => encodeRetry('5' as unknown as number), {
      name: 'TypeError',
      message: /got `"5"` \(string\)/,
    });
  });
});
