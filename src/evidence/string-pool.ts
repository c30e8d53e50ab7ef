// One copy of each repeated string. JSON.parse makes a fresh string for every value it reads, so an
// estate of 100,000 workloads holds 100,000 copies of "istio-proxy", of the sidecar status
// annotation, of each namespace name; the inventory keeps them for the whole run. Values are
// unchanged: a pooled string is equal to the one it replaces.
export class StringPool {
  private readonly pool = new Map<string, string>();
  private readonly values = new Map<string, unknown>();

  // Long strings are rarely repeated and would only grow the pool.
  constructor(private readonly maxLength = 512) {}

  get(value: string): string {
    if (value.length > this.maxLength) return value;
    const seen = this.pool.get(value);
    if (seen !== undefined) return seen;
    this.pool.set(value, value);
    return value;
  }

  // One object for equal immutable values (e.g. the istio-proxy container of every pod): `key`
  // must identify the value completely. Callers never mutate what they get.
  shared<T>(key: string, make: () => T): T {
    let v = this.values.get(key) as T | undefined;
    if (v === undefined) {
      v = make();
      this.values.set(key, v);
    }
    return v;
  }

  // Pools the values of a map the caller owns (e.g. labels freshly parsed by zod), in place.
  map<M extends Record<string, string>>(m: M): M {
    for (const key of Object.keys(m)) {
      const v = m[key];
      if (v !== undefined) (m as Record<string, string>)[key] = this.get(v);
    }
    return m;
  }
}
