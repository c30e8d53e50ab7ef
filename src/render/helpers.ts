import type Handlebars from 'handlebars';

// The only helpers templates may call. Each returns a plain string, so `{{ }}` still escapes its
// output; none returns a SafeString.
export type HandlebarsEnvironment = typeof Handlebars;

export const HELPER_NAMES = ['join', 'or'] as const;

// {{join list ", "}}: the strings of a list joined by a separator.
export function joinHelper(list: unknown, separator: unknown): string {
  if (!Array.isArray(list)) throw new Error('join: first argument must be a list');
  if (typeof separator !== 'string') throw new Error('join: separator must be a string');
  return list.map((item) => (typeof item === 'string' || typeof item === 'number' ? String(item) : '')).join(separator);
}

// {{or namespace "—"}}: the value, or the fallback when the value is empty.
export function orHelper(value: unknown, fallback: unknown): string {
  if (typeof fallback !== 'string') throw new Error('or: fallback must be a string');
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value !== '' ? value : fallback;
}

// Handlebars passes its options object as the last argument; the helpers take exactly the
// arguments the template wrote, so a wrong call fails at render time rather than printing junk.
function exact(name: string, arity: number, fn: (...args: unknown[]) => string): (...args: unknown[]) => string {
  return (...args: unknown[]) => {
    const given = args.slice(0, -1);
    if (given.length !== arity) throw new Error(`${name}: expected ${arity} argument(s), got ${given.length}`);
    return fn(...given);
  };
}

export function registerHelpers(hb: HandlebarsEnvironment): void {
  hb.registerHelper(
    'join',
    exact('join', 2, (list, separator) => joinHelper(list, separator)),
  );
  hb.registerHelper(
    'or',
    exact('or', 2, (value, fallback) => orHelper(value, fallback)),
  );
}
