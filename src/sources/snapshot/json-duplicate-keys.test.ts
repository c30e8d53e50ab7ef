import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findDuplicateKey } from './json-duplicate-keys.ts';

describe('findDuplicateKey', () => {
  const cases: [string, string, { key: string; line: number } | undefined][] = [
    ['no duplicates', '{"a": 1, "b": {"a": 2}, "c": [{"a": 1}, {"a": 2}]}', undefined],
    ['same key in sibling objects is fine', '[{"mode": "STRICT"}, {"mode": "DISABLE"}]', undefined],
    ['a key equal to a string value is not a duplicate', '{"mode": "mode"}', undefined],
    ['duplicate at the top', '{"kind": "PeerAuthentication",\n "kind": "Secret"}', { key: 'kind', line: 2 }],
    ['the trap: nested mode twice', '{"spec": {"mtls": {\n"mode": "DISABLE",\n"mode": "STRICT"}}}', { key: 'mode', line: 3 }],
    ['after an array inside the object', '{"a": [1, {"x": 1}], "b": 2, "a": 3}', { key: 'a', line: 1 }],
    ['escaped key equal to a plain one', '{"mode": 1, "mo\\u0064e": 2}', { key: 'mode', line: 1 }],
    ['quotes and backslashes inside strings', '{"a\\"b": "x\\\\", "c": "}{,\\"", "a\\"b": 1}', { key: 'a"b', line: 1 }],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => {
      JSON.parse(text);
      expect(findDuplicateKey(text)).toEqual(expected);
    });
  }

  it('never reports a duplicate in JSON.stringify output (which cannot hold one)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 2), (value, indent) => {
        expect(findDuplicateKey(JSON.stringify(value, null, indent))).toBeUndefined();
      }),
      { numRuns: 1000, seed: 7 },
    );
  });

  it('finds a duplicate spliced into any object', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue(), { minKeys: 1 }), (obj) => {
        const [first] = Object.keys(obj);
        if (first === undefined) return;
        const text = `${JSON.stringify(obj).slice(0, -1)},${JSON.stringify(first)}:null}`;
        expect(findDuplicateKey(text)?.key).toBe(first);
      }),
      { numRuns: 500, seed: 11 },
    );
  });
});
