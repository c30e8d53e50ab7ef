import { UsageError } from '../shared/errors.ts';

// Kubernetes label selectors as `kubectl get -l` takes them (apimachinery labels.Parse):
// comma-separated requirements, each `key`, `!key`, `key=v`, `key==v`, `key!=v`,
// `key in (v1,v2)` or `key notin (v1,v2)`. `!=` and `notin` also match objects without the key,
// as in Kubernetes. @kubernetes/client-node only passes selector strings to the API server, so the
// few rules are parsed here.

export type Requirement =
  | { key: string; op: 'exists' | 'not-exists' }
  | { key: string; op: 'in' | 'notin'; values: string[] };

export interface LabelSelector {
  text: string;
  requirements: Requirement[];
}

// Optional DNS-subdomain prefix and '/', then a name of at most 63 characters.
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function validKey(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return NAME.test(key);
  return PREFIX.test(key.slice(0, slash)) && NAME.test(key.slice(slash + 1));
}

function validValue(value: string): boolean {
  return value === '' || NAME.test(value);
}

type Token = { t: 'word'; v: string } | { t: 'op'; v: '=' | '==' | '!=' | '!' | '(' | ')' | ',' };

function tokenize(text: string, fail: (msg: string) => never): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (text.startsWith('==', i) || text.startsWith('!=', i)) {
      out.push({ t: 'op', v: text.slice(i, i + 2) as '==' | '!=' });
      i += 2;
    } else if (c === '=' || c === '!' || c === '(' || c === ')' || c === ',') {
      out.push({ t: 'op', v: c });
      i++;
    } else if (c === '<' || c === '>') {
      fail(`the ${c} operator is not supported; use in / notin`);
    } else {
      const m = /^[^\s=!(),<>]+/.exec(text.slice(i));
      if (!m) fail(`unexpected character "${c}" at ${i + 1}`);
      out.push({ t: 'word', v: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

export function parseLabelSelector(text: string, where = 'label selector'): LabelSelector {
  const fail = (msg: string): never => {
    throw new UsageError('CONFIG_INVALID', `${where} "${text}": ${msg}`);
  };
  const tokens = tokenize(text, fail);
  const requirements: Requirement[] = [];
  let i = 0;
  const peek = (): Token | undefined => tokens[i];
  const word = (what: string): string => {
    const tok = tokens[i++];
    if (tok?.t !== 'word') return fail(`expected ${what}${tok ? `, found "${tok.v}"` : ' at the end'}`);
    return tok.v;
  };
  const key = (): string => {
    const k = word('a label key');
    if (!validKey(k)) fail(`"${k}" is not a valid label key`);
    return k;
  };
  const value = (): string => {
    const tok = peek();
    // An empty value (`tier=`) is valid and matches an empty label value.
    if (tok === undefined || (tok.t === 'op' && (tok.v === ',' || tok.v === ')'))) return '';
    const v = word('a label value');
    if (!validValue(v)) fail(`"${v}" is not a valid label value`);
    return v;
  };
  while (i < tokens.length) {
    const first = peek();
    if (first?.t === 'op' && first.v === '!') {
      i++;
      requirements.push({ key: key(), op: 'not-exists' });
    } else {
      const k = key();
      const next = peek();
      if (next === undefined || (next.t === 'op' && next.v === ',')) {
        requirements.push({ key: k, op: 'exists' });
      } else if (next.t === 'op' && (next.v === '=' || next.v === '==' || next.v === '!=')) {
        i++;
        requirements.push({ key: k, op: next.v === '!=' ? 'notin' : 'in', values: [value()] });
      } else if (next.t === 'word' && (next.v === 'in' || next.v === 'notin')) {
        i++;
        const open = tokens[i++];
        if (open?.t !== 'op' || open.v !== '(') fail(`expected "(" after ${next.v}`);
        const values: string[] = [];
        for (;;) {
          values.push(value());
          const sep = tokens[i++];
          if (sep?.t === 'op' && sep.v === ')') break;
          if (sep?.t !== 'op' || sep.v !== ',') fail(`expected "," or ")" in the ${next.v} list`);
        }
        requirements.push({ key: k, op: next.v, values });
      } else {
        fail(`expected an operator (=, ==, !=, in, notin) after "${k}"`);
      }
    }
    const sep = tokens[i];
    if (sep === undefined) break;
    if (sep.t !== 'op' || sep.v !== ',') fail(`expected "," between requirements, found "${sep.v}"`);
    i++;
    if (i === tokens.length) fail('a requirement is missing after the last ","');
  }
  if (requirements.length === 0) fail('the selector is empty');
  return { text: text.trim(), requirements };
}

// Every requirement must hold (the requirements are ANDed, as in Kubernetes).
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  return selector.requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case 'not-exists':
        return !has;
      case 'in':
        return has && r.values.includes(labels[r.key] ?? '');
      case 'notin':
        return !has || !r.values.includes(labels[r.key] ?? '');
    }
  });
}
