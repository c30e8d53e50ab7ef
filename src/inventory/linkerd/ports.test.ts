import { describe, expect, it } from 'vitest';
import { formatPortList, parsePortList, portListHas } from './ports.ts';

describe('parsePortList', () => {
  it('reads numbers, ranges and names, and keeps what it cannot read', () => {
    const l = parsePortList('25, 443,8080-8090,http-metrics,70000,9-3,#x');
    expect(l.ranges).toEqual([{ from: 25, to: 25 }, { from: 443, to: 443 }, { from: 8080, to: 8090 }]);
    expect(l.names).toEqual(['http-metrics']);
    expect(l.invalid).toEqual(['70000', '9-3', '#x']);
    expect(formatPortList(l)).toBe('25, 443, 8080-8090, http-metrics, 70000 (unparseable), 9-3 (unparseable), #x (unparseable)');
  });

  it('accepts a single port written as a YAML number and empty values', () => {
    expect(parsePortList(4567).ranges).toEqual([{ from: 4567, to: 4567 }]);
    expect(parsePortList('').ranges).toEqual([]);
    expect(parsePortList(undefined).ranges).toEqual([]);
  });

  it('matches a port by number, range or container port name', () => {
    const l = parsePortList('8080-8090,metrics');
    expect(portListHas(l, 8085)).toBe(true);
    expect(portListHas(l, 9090, 'metrics')).toBe(true);
    expect(portListHas(l, 9090, 'http')).toBe(false);
  });
});
