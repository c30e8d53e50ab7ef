import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.ts';

describe('canonicalJson', () => {
  it('sorts object keys recursively and emits no whitespace', () => {
    const value = { b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } };
    expect(canonicalJson(value)).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('keeps array order', () => {
    expect(canonicalJson([3, 1, 2, 'b', 'a'])).toBe('[3,1,2,"b","a"]');
  });

  it('sorts keys by UTF-16 code units (RFC 8785 section 3.2.3 example)', () => {
    const value = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    const order = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'];
    const expected = `{${order.map((k) => `${JSON.stringify(k)}:${JSON.stringify(value[k as keyof typeof value])}`).join(',')}}`;
    expect(canonicalJson(value)).toBe(expected);
  });

  it('serializes numbers as ECMAScript does (RFC 8785 appendix B samples)', () => {
    expect(canonicalJson([0, -0, 1e21, 1e-7, 0.1, 333333333.3333333, 1.7976931348623157e308, 5e-324])).toBe(
      '[0,0,1e+21,1e-7,0.1,333333333.3333333,1.7976931348623157e+308,5e-324]',
    );
  });

  it('escapes strings minimally', () => {
    expect(canonicalJson({ s: 'a"b\\c\n\u0001\u00e9\u20ac/' })).toBe('{"s":"a\\"b\\\\c\\n\\u0001\u00e9\u20ac/"}');
  });

  it('serializes the primitives', () => {
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson(true)).toBe('true');
    expect(canonicalJson(false)).toBe('false');
    expect(canonicalJson('x')).toBe('"x"');
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson([])).toBe('[]');
  });

  it('omits object properties whose value is undefined', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
  });

  it('accepts objects without a prototype', () => {
    const value = Object.create(null) as Record<string, unknown>;
    value['k'] = 1;
    expect(canonicalJson(value)).toBe('{"k":1}');
  });

  describe('rejects values JSON cannot represent faithfully', () => {
    const cases: [string, unknown][] = [
      ['NaN', { a: Number.NaN }],
      ['Infinity', [Number.POSITIVE_INFINITY]],
      ['-Infinity', { a: { b: Number.NEGATIVE_INFINITY } }],
      ['undefined at top level', undefined],
      ['undefined in an array', [1, undefined]],
      ['a hole in a sparse array', [1, , 3]], // eslint-disable-line no-sparse-arrays
      ['a function', { f: () => 1 }],
      ['a function in an array', [() => 1]],
      ['a bigint', { n: 1n }],
      ['a symbol', [Symbol('s')]],
      ['a Date', { d: new Date(0) }],
      ['a Map', new Map([['a', 1]])],
      ['a class instance', new (class Point {
        x = 1;
      })()],
      ['symbol keys', { [Symbol('k')]: 1 }],
    ];
    it.each(cases)('%s', (_name, value) => {
      expect(() => canonicalJson(value)).toThrow(TypeError);
    });

    it('a circular reference', () => {
      const a: Record<string, unknown> = {};
      a['self'] = a;
      expect(() => canonicalJson(a)).toThrow(/circular/);
    });

    it('names where the bad value is', () => {
      expect(() => canonicalJson({ files: [{ size: Number.NaN }] })).toThrow('$.files[0].size');
    });
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: [shared] })).toBe('{"a":{"x":1},"b":[{"x":1}]}');
  });

  it('round-trips through JSON.parse and ignores key insertion order (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        expect(canonicalJson(reverseKeys(value))).toBe(text);
      }),
    );
  });
});

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === 'object') {
    // fromEntries defines own properties, so a "__proto__" key from fc.jsonValue stays a plain key.
    return Object.fromEntries(
      Object.keys(value)
        .reverse()
        .map((key) => [key, reverseKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
