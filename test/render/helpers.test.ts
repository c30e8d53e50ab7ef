import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { HELPER_NAMES, joinHelper, orHelper, registerHelpers } from '../../src/render/helpers.ts';

function env(): typeof Handlebars {
  const hb = Handlebars.create();
  registerHelpers(hb);
  return hb;
}

describe('helpers', () => {
  it('registers exactly the documented helpers', () => {
    const hb = env();
    for (const name of HELPER_NAMES) expect(typeof hb.helpers[name]).toBe('function');
  });

  it('join joins strings and its output is still escaped', () => {
    expect(joinHelper(['a', 'b'], ', ')).toBe('a, b');
    const out = env().compile('{{join list ", "}}', { strict: true })({ list: ['<b>', 'x'] });
    expect(out).toBe('&lt;b&gt;, x');
  });

  it('or falls back on empty strings only', () => {
    expect(orHelper('', '—')).toBe('—');
    expect(orHelper('ns', '—')).toBe('ns');
    expect(orHelper(0, '—')).toBe('0');
    expect(env().compile('{{or v "—"}}', { strict: true })({ v: '<i>' })).toBe('&lt;i&gt;');
  });

  it('rejects wrong arguments', () => {
    expect(() => joinHelper('nope', ',')).toThrow(/must be a list/);
    expect(() => env().compile('{{join list}}', { strict: true })({ list: [] })).toThrow(/expected 2 argument/);
  });
});
