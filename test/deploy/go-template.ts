import { stringify } from 'yaml';

// A renderer for the small Go-template subset the auditpack chart is written in, so the chart can
// be rendered and validated without helm (not installable here). Supported, and nothing else:
//   {{ .Values.a.b }} {{ .Release.Name }} {{ .Release.Namespace }} {{ .Release.Service }} {{ .Chart.X }} {{ . }}
//   {{ "literal" }}, numbers, true/false
//   functions: quote X, toYaml X, nindent N X, include "name" ., eq A B, not A (pipes: X | f args)
//   {{ if C }} / {{ else if C }} / {{ else }} / {{ end }}, {{ define "name" }}…{{ end }}, {{/* comments */}}
//   whitespace trimming with {{- and -}}
// Anything else throws, naming the template and the action, so the chart cannot drift outside
// what this test checks.

export interface Context {
  Values: unknown;
  Release: { Name: string; Namespace: string; Service: string };
  Chart: Record<string, unknown>;
}

type Node =
  | { type: 'text'; text: string }
  | { type: 'out'; expr: string; where: string }
  | { type: 'if'; branches: { cond: string; body: Node[] }[]; otherwise: Node[]; where: string };

interface Action {
  kind: 'text' | 'action';
  text: string;
  where: string;
}

function lex(src: string, file: string): Action[] {
  const out: Action[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ kind: 'text', text: src.slice(i), where: file });
      break;
    }
    const close = src.indexOf('}}', open);
    if (close < 0) throw new Error(`${file}: unclosed {{`);
    let text = src.slice(i, open);
    let body = src.slice(open + 2, close);
    const line = src.slice(0, open).split('\n').length;
    if (body.startsWith('- ') || body === '-') {
      text = text.replace(/\s+$/, '');
      body = body.slice(1);
    }
    let trimAfter = false;
    if (body.endsWith(' -') || body === '-') {
      trimAfter = true;
      body = body.slice(0, -1);
    }
    out.push({ kind: 'text', text, where: file });
    out.push({ kind: 'action', text: body.trim(), where: `${file}:${line} {{ ${body.trim()} }}` });
    i = close + 2;
    if (trimAfter) while (i < src.length && /\s/.test(src[i] ?? '')) i++;
  }
  return out;
}

class Parser {
  pos = 0;
  readonly defines = new Map<string, Node[]>();
  constructor(private readonly actions: Action[]) {}

  // Parses until an action in `stop` (returned, not consumed past).
  parse(stop: readonly string[]): { nodes: Node[]; ended?: Action } {
    const nodes: Node[] = [];
    while (this.pos < this.actions.length) {
      const a = this.actions[this.pos++];
      if (!a) break;
      if (a.kind === 'text') {
        if (a.text) nodes.push({ type: 'text', text: a.text });
        continue;
      }
      const word = a.text.split(/\s+/)[0] ?? '';
      if (a.text.startsWith('/*')) {
        if (!a.text.endsWith('*/')) throw new Error(`${a.where}: unterminated comment`);
        continue;
      }
      if (stop.includes(word)) return { nodes, ended: a };
      if (word === 'if') {
        const branches: { cond: string; body: Node[] }[] = [];
        let cond: string | null = a.text.slice(2).trim();
        let otherwise: Node[] = [];
        for (;;) {
          const r = this.parse(['else', 'end']);
          if (!r.ended) throw new Error(`${a.where}: if without end`);
          if (cond === null) {
            if (r.ended.text !== 'end') throw new Error(`${r.ended.where}: else after else`);
            otherwise = r.nodes;
            break;
          }
          branches.push({ cond, body: r.nodes });
          if (r.ended.text === 'end') break;
          const rest = r.ended.text.slice(4).trim();
          if (rest.startsWith('if ')) cond = rest.slice(3).trim();
          else if (rest === '') cond = null;
          else throw new Error(`${r.ended.where}: unsupported else form`);
        }
        nodes.push({ type: 'if', branches, otherwise, where: a.where });
        continue;
      }
      if (word === 'define') {
        const m = /^define\s+"([^"]+)"$/.exec(a.text);
        if (!m?.[1]) throw new Error(`${a.where}: bad define`);
        const r = this.parse(['end']);
        if (!r.ended) throw new Error(`${a.where}: define without end`);
        this.defines.set(m[1], r.nodes);
        continue;
      }
      if (['range', 'with', 'template', 'block', 'else', 'end'].includes(word) || a.text.includes(':=')) throw new Error(`${a.where}: not in the supported template subset`);
      nodes.push({ type: 'out', expr: a.text, where: a.where });
    }
    return { nodes };
  }
}

type Value = unknown;

function truthy(v: Value): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function words(cmd: string, where: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(cmd))) out.push(m[1] !== undefined ? `"${m[1]}` : (m[2] ?? ''));
  if (out.length === 0) throw new Error(`${where}: empty command`);
  return out;
}

const FUNCTIONS = new Set(['quote', 'toYaml', 'nindent', 'include', 'eq', 'not']);

export class Chart {
  readonly defines = new Map<string, Node[]>();

  addHelpers(src: string, file: string): void {
    const p = new Parser(lex(src, file));
    const r = p.parse([]);
    if (r.nodes.some((n) => n.type !== 'text' || n.text.trim() !== '')) throw new Error(`${file}: only define blocks and comments are allowed in helpers`);
    for (const [k, v] of p.defines) this.defines.set(k, v);
  }

  render(src: string, file: string, ctx: Context): string {
    const p = new Parser(lex(src, file));
    const r = p.parse([]);
    if (r.ended) throw new Error(`${r.ended.where}: unexpected`);
    if (p.defines.size > 0) throw new Error(`${file}: define only in _helpers.tpl`);
    return this.nodes(r.nodes, ctx);
  }

  private nodes(nodes: readonly Node[], ctx: Context): string {
    let s = '';
    for (const n of nodes) {
      if (n.type === 'text') s += n.text;
      else if (n.type === 'out') s += this.print(this.pipeline(n.expr, ctx, n.where), n.where);
      else {
        const branch = n.branches.find((b) => truthy(this.pipeline(b.cond, ctx, n.where)));
        s += this.nodes(branch ? branch.body : n.otherwise, ctx);
      }
    }
    return s;
  }

  private print(v: Value, where: string): string {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw new Error(`${where}: cannot print ${v === undefined ? 'a missing value' : JSON.stringify(v)} (use toYaml, or set the value)`);
  }

  private pipeline(expr: string, ctx: Context, where: string): Value {
    let value: Value;
    let first = true;
    for (const raw of expr.split('|')) {
      const w = words(raw.trim(), where);
      value = first ? this.command(w, ctx, where, undefined, false) : this.command(w, ctx, where, value, true);
      first = false;
    }
    return value;
  }

  private arg(token: string, ctx: Context, where: string): Value {
    if (token.startsWith('"')) return JSON.parse(`${token}"`) as string;
    if (/^-?\d+$/.test(token)) return Number(token);
    if (token === 'true' || token === 'false') return token === 'true';
    if (token === '.') return ctx;
    if (token.startsWith('.')) {
      let v: Value = ctx;
      for (const part of token.slice(1).split('.')) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(part)) throw new Error(`${where}: unsupported field ${token}`);
        v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
      }
      return v;
    }
    throw new Error(`${where}: unsupported argument ${token}`);
  }

  private command(w: string[], ctx: Context, where: string, piped: Value, hasPiped: boolean): Value {
    const [head, ...rest] = w;
    if (head === undefined) throw new Error(`${where}: empty command`);
    if (!FUNCTIONS.has(head)) {
      if (w.length !== 1 || hasPiped) throw new Error(`${where}: "${head}" is not a supported function`);
      return this.arg(head, ctx, where);
    }
    const args = rest.map((t) => this.arg(t, ctx, where));
    if (hasPiped) args.push(piped);
    const need = (n: number): void => {
      if (args.length !== n) throw new Error(`${where}: ${head} takes ${n} argument(s), got ${args.length}`);
    };
    switch (head) {
      case 'quote':
        need(1);
        return JSON.stringify(args[0] === undefined || args[0] === null ? '' : String(args[0]));
      case 'toYaml':
        need(1);
        return stringify(args[0], { lineWidth: 0 }).replace(/\n$/, '');
      case 'nindent': {
        need(2);
        const n = args[0];
        if (typeof n !== 'number') throw new Error(`${where}: nindent needs a number`);
        const pad = ' '.repeat(n);
        return `\n${pad}${String(args[1]).replace(/\n/g, `\n${pad}`)}`;
      }
      case 'include': {
        need(2);
        const body = this.defines.get(String(args[0]));
        if (!body) throw new Error(`${where}: no template "${String(args[0])}"`);
        if (args[1] !== ctx) throw new Error(`${where}: include is supported with "." only`);
        return this.nodes(body, ctx);
      }
      case 'eq':
        need(2);
        return args[0] === args[1];
      case 'not':
        need(1);
        return !truthy(args[0]);
    }
    throw new Error(`${where}: unreachable`);
  }
}
