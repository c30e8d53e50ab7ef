import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonErrorOffset } from './json-error-offset.ts';

describe('jsonErrorOffset', () => {
  const cases: [string, string, number][] = [
    ['valid object', '{"a": [1, 2.5e3, true, null, "x\\u00e9"]}', -1],
    ['missing value', '{"apiVersion": "v1",\n "spec": }', 30],
    ['missing colon', '{"a" 1}', 5],
    ['trailing comma', '[1, 2,]', 6],
    ['unterminated string', '{"a": "b', 8],
    ['premature end', '{"a": [1', 8],
    ['garbage after value', '{} x', 3],
    ['bad escape', '"\\q"', 1],
    ['control character in string', '"a\nb"', 2],
  ];
  for (const [name, text, offset] of cases) {
    it(name, () => expect(jsonErrorOffset(text)).toBe(offset));
  }

  it('agrees with JSON.parse on validity for arbitrary JSON and near-JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))), fc.string()), (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        expect(jsonErrorOffset(text) === -1).toBe(valid);
      }),
      { numRuns: 2000, seed: 3 },
    );
  });
});
