import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseShard, selectShard, shardTargets } from '../../src/shard/assign.ts';
import { UsageError } from '../../src/shared/errors.ts';

const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,20}$/);

describe('shard assignment', () => {
  it('puts every target in exactly one shard, for N = 1..8, with sizes differing by at most one', () => {
    fc.assert(
      fc.property(fc.uniqueArray(name, { maxLength: 60 }), fc.integer({ min: 1, max: 8 }), (names, count) => {
        const shards = Array.from({ length: count }, (_, i) => shardTargets(names, { index: i + 1, count }));
        const seen = shards.flatMap((s) => [...s]);
        expect(seen.sort()).toEqual([...names].sort());
        expect(new Set(seen).size).toBe(seen.length);
        const sizes = shards.map((s) => s.size);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('is stable: the order targets are given in does not change the split', () => {
    fc.assert(
      fc.property(fc.uniqueArray(name, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 8 }), fc.nat(), (names, count, seed) => {
        const shuffled = [...names].sort((a, b) => ((a.length * 31 + seed) % 7) - ((b.length * 31 + seed) % 7));
        for (let i = 1; i <= count; i++) expect([...shardTargets(shuffled, { index: i, count })].sort()).toEqual([...shardTargets(names, { index: i, count })].sort());
      }),
    );
  });

  it('keeps a Consul API with the target it serves', () => {
    const t = {
      snapshots: [{ dir: '/x/prod-eu' }, { dir: '/x/prod-us' }, { dir: '/x/b', name: 'beta' }],
      kube: [],
      consul: [{ target: 'prod-us', address: 'http://127.0.0.1:8500' }],
      cloud: [],
    };
    const one = selectShard(t, { index: 1, count: 2 });
    const two = selectShard(t, { index: 2, count: 2 });
    expect(one.mine.sort()).toEqual(['beta', 'prod-us']);
    expect(one.consul).toHaveLength(1);
    expect(two.mine).toEqual(['prod-eu']);
    expect(two.consul).toHaveLength(0);
    expect(two.snapshots).toEqual([{ dir: '/x/prod-eu' }]);
  });

  it('parses --shard I/N and --shards N with JOB_COMPLETION_INDEX', () => {
    expect(parseShard('2/4', undefined)).toEqual({ index: 2, count: 4 });
    expect(parseShard(undefined, '4', { JOB_COMPLETION_INDEX: '0' })).toEqual({ index: 1, count: 4 });
    expect(parseShard(undefined, '4', { JOB_COMPLETION_INDEX: '3' })).toEqual({ index: 4, count: 4 });
    expect(parseShard(undefined, undefined)).toBeUndefined();
    for (const bad of ['0/3', '4/3', '1/0', 'a/b', '1', '1/2/3', '-1/2']) expect(() => parseShard(bad, undefined), bad).toThrow(UsageError);
    expect(() => parseShard(undefined, '4', {})).toThrow(/JOB_COMPLETION_INDEX/);
    expect(() => parseShard(undefined, '4', { JOB_COMPLETION_INDEX: '4' })).toThrow(/out of range/);
    expect(() => parseShard('1/2', '2', { JOB_COMPLETION_INDEX: '0' })).toThrow(/not both/);
  });
});
