import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, csvCell, renderCsv } from '../../src/render/csv.ts';
import type { ReportedResult } from '../../src/render/report-input.ts';
import { parseCsv } from './csv-reader.ts';
import { HOSTILE_NAME, sampleInput } from './sample-input.ts';

function result(overrides: Partial<ReportedResult>): ReportedResult {
  return {
    check: 'istio-mtls-strict',
    status: 'fail',
    severity: 'high',
    target: 'prod-eu',
    resource: { kind: 'Deployment', namespace: 'payments', name: 'api' },
    messageId: 'permissive',
    message: 'ok',
    data: {},
    evidence: ['ev-0000000000000002', 'ev-0000000000000001'],
    controls: ['soc2:CC6.7', 'hipaa:164.312(e)(1)'],
    ...overrides,
  };
}

describe('renderCsv', () => {
  it('writes the header row and one row per result', () => {
    const input = sampleInput();
    const rows = parseCsv(renderCsv(input.results));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(input.results.length + 1);
    for (const row of rows) expect(row).toHaveLength(CSV_COLUMNS.length);
  });

  it('quotes commas, quotes and newlines per RFC 4180 with CRLF line ends', () => {
    const csv = renderCsv([result({ message: 'a, "b"\nc', warning: 'plain' })]);
    expect(csv).toContain('"a, ""b""\r\nc"');
    expect(csv.endsWith('\r\n')).toBe(true);
    const row = parseCsv(csv)[1];
    expect(row?.[7]).toBe('a, "b"\r\nc');
    expect(row?.[8]).toBe('plain');
  });

  it('neutralises cells a spreadsheet would run as a formula', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) {
      const value = `${start}HYPERLINK("http://evil.example","x")`;
      const cell = parseCsv(renderCsv([result({ message: value })]))[1]?.[7] ?? '';
      expect(cell.startsWith("'"), JSON.stringify(start)).toBe(true);
    }
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('a=b')).toBe('a=b');
  });

  it('lists controls and evidence sorted and space-separated, and empty optional cells', () => {
    const row = parseCsv(renderCsv([result({ resource: { kind: 'Namespace', name: 'payments' } })]))[1];
    expect(row).toEqual([
      'istio-mtls-strict', 'fail', 'high', 'prod-eu', 'Namespace', '', 'payments', 'ok', '',
      'hipaa:164.312(e)(1) soc2:CC6.7', 'ev-0000000000000001 ev-0000000000000002', '',
      'cluster', '', '', '',
    ]);
  });

  // Cloud results carry their account and region in resource.namespace or name; the CSV gives them
  // columns of their own and never calls the account a namespace.
  it.each([
    ['aws', { check: 'aws-securityhub-enabled', target: 'aws-prod', resource: { kind: 'SecurityHub', namespace: '123456789012/eu-west-1', name: '123456789012/eu-west-1' } }, ['aws', 'aws', '123456789012', 'eu-west-1']],
    ['azure', { check: 'azure-secure-score', target: 'web', resource: { kind: 'Microsoft.Security/secureScores', namespace: '20ff7fc3-e762-44dd-bd96-b71116dcdc23', name: 'ascScore' } }, ['azure', 'azure', '20ff7fc3-e762-44dd-bd96-b71116dcdc23', '']],
    ['gcp', { check: 'gcp-iam-no-public-bindings', target: 'analytics', resource: { kind: 'IamPolicy', name: 'projects/acme-analytics-prod' } }, ['gcp', 'gcp', 'acme-analytics-prod', '']],
    ['cluster', { check: 'istio-mtls-strict', target: 'prod-eu', resource: { kind: 'Deployment', namespace: 'payments', name: 'api' } }, ['cluster', '', '', '']],
  ] as const)('puts a %s result in target_kind, provider, account and region', (_kind, overrides, expected) => {
    const row = parseCsv(renderCsv([result({ ...overrides, resource: { ...overrides.resource } })]))[1] ?? [];
    const col = (c: (typeof CSV_COLUMNS)[number]): string | undefined => row[CSV_COLUMNS.indexOf(c)];
    expect([col('target_kind'), col('provider'), col('account'), col('region')]).toEqual(expected);
    expect(col('namespace')).toBe(_kind === 'cluster' ? 'payments' : '');
  });

  it('keeps full values but strips terminal escapes and bidi overrides', () => {
    const rows = parseCsv(renderCsv([result({ resource: { kind: 'Deployment', namespace: 'payments', name: HOSTILE_NAME } })]));
    expect(rows[1]?.[6]).toBe('pay<script>alert(1)</script>{{constructor}}gnp');
    const long = 'x'.repeat(100_000);
    expect(parseCsv(renderCsv([result({ message: long })]))[1]?.[7]).toBe(long);
  });

  it('orders rows deterministically', () => {
    const input = sampleInput();
    expect(renderCsv([...input.results].reverse())).toBe(renderCsv(input.results));
  });
});
