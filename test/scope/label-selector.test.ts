import { describe, expect, it } from 'vitest';
import { parseLabelSelector, selectorMatches } from '../../src/scope/label-selector.ts';

const CDE = { 'data-classification': 'pci-cde', team: 'payments', 'kubernetes.io/metadata.name': 'payments' };
const WEB = { team: 'web', 'istio.io/rev': '1-24' };
const EMPTY_TIER = { tier: '' };

describe('label selectors (kubectl -l syntax)', () => {
  it.each([
    ['data-classification in (pci-cde)', CDE, true],
    ['data-classification in (pci-cde)', WEB, false],
    ['data-classification in (pci-cde, phi)', CDE, true],
    ['data-classification notin (pci-cde)', CDE, false],
    // notin and != also hold when the key is absent, as in Kubernetes.
    ['data-classification notin (pci-cde)', WEB, true],
    ['data-classification!=pci-cde', WEB, true],
    ['data-classification=pci-cde', CDE, true],
    ['data-classification==pci-cde', CDE, true],
    ['data-classification=pci', CDE, false],
    ['team', WEB, true],
    ['!team', WEB, false],
    ['!data-classification', WEB, true],
    ['team=payments,data-classification in (pci-cde)', CDE, true],
    ['team=web,data-classification in (pci-cde)', CDE, false],
    ['kubernetes.io/metadata.name=payments', CDE, true],
    ['istio.io/rev in (1-24,1-25)', WEB, true],
    ['  team  =  web , istio.io/rev  ', WEB, true],
    ['tier=', EMPTY_TIER, true],
    ['tier in (a,)', EMPTY_TIER, true],
  ] as const)('%s on %j → %s', (text, labels, expected) => {
    expect(selectorMatches(parseLabelSelector(text), labels)).toBe(expected);
  });

  it.each([
    ['', /empty/],
    ['data-classification in pci-cde', /expected "\(" after in/],
    ['data-classification in (pci-cde', /expected "," or "\)"/],
    ['team=web,', /missing after the last ","/],
    ['team web', /expected "," between requirements|expected an operator/],
    ['replicas > 3', /not supported/],
    ['-bad=x', /not a valid label key/],
    ['team=has space', /expected "," between requirements/],
    ['team=' + 'x'.repeat(64), /not a valid label value/],
    ['Example.COM/name=x', /not a valid label key/],
  ])('rejects %j with a clear message', (text, message) => {
    expect(() => parseLabelSelector(text, 'scope.pci-dss-4.namespaceSelector')).toThrow(message);
    expect(() => parseLabelSelector(text, 'scope.pci-dss-4.namespaceSelector')).toThrow(/scope\.pci-dss-4\.namespaceSelector/);
  });
});
