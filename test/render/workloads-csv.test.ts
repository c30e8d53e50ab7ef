import { describe, expect, it } from 'vitest';
import type { WorkloadRow } from '../../src/inventory/workload-view.ts';
import { csvCell } from '../../src/render/csv.ts';
import { LIST_SEPARATOR, WORKLOADS_CSV_COLUMNS, renderWorkloadsCsv } from '../../src/render/workloads-csv.ts';
import { parseCsv } from './csv-reader.ts';
import { HOSTILE, HOSTILE_NAME, sampleInput } from './sample-input.ts';

const COLUMN = Object.fromEntries(WORKLOADS_CSV_COLUMNS.map((c, i) => [c, i])) as Record<(typeof WORKLOADS_CSV_COLUMNS)[number], number>;

function row(overrides: Partial<WorkloadRow>): WorkloadRow {
  return {
    target: 'prod-eu',
    namespace: 'payments',
    kind: 'Deployment',
    name: 'api',
    inScope: true,
    mesh: 'istio-sidecar',
    proxy: 'running',
    ports: [{ port: 8080, mtls: 'STRICT' }, { port: 9090, mtls: 'PERMISSIVE' }],
    inboundDefault: 'deny (allow-nothing payments/allow-nothing); NetworkPolicy default-deny ingress: no',
    callers: ['cluster.local/ns/web/sa/frontend', 'anyone in the mesh'],
    evidence: ['ev-0000000000000002', 'ev-0000000000000001'],
    notes: ['istio: running pods carry the istio-proxy sidecar'],
    ...overrides,
  };
}

function only(csv: string): string[] {
  const rows = parseCsv(csv);
  expect(rows).toHaveLength(2);
  return rows[1] ?? [];
}

describe('renderWorkloadsCsv', () => {
  it('writes the header and one row per workload, out-of-scope workloads included', () => {
    const input = sampleInput();
    const rows = parseCsv(renderWorkloadsCsv(input.workloads));
    expect(rows[0]).toEqual([
      'target', 'namespace', 'kind', 'name', 'in_scope', 'mesh', 'proxy', 'ports', 'inbound_default', 'callers', 'notes', 'evidence',
    ]);
    expect(rows).toHaveLength(input.workloads.length + 1);
    for (const r of rows) expect(r).toHaveLength(WORKLOADS_CSV_COLUMNS.length);
    const inScope = rows.slice(1).map((r) => r[COLUMN.in_scope]);
    expect(inScope.filter((v) => v === 'false')).toHaveLength(input.workloads.filter((w) => !w.inScope).length);
    expect(new Set(inScope)).toEqual(new Set(['true', 'false']));
    expect(new Set(rows.slice(1).map((r) => r[COLUMN.mesh]))).toEqual(new Set(['istio-sidecar', 'istio-ambient', 'linkerd', 'consul', 'none']));
  });

  it('writes every field in full, lists joined, evidence sorted and space-separated', () => {
    const cells = only(renderWorkloadsCsv([row({})]));
    expect(cells).toEqual([
      'prod-eu',
      'payments',
      'Deployment',
      'api',
      'true',
      'istio-sidecar',
      'running',
      '8080 STRICT | 9090 PERMISSIVE',
      'deny (allow-nothing payments/allow-nothing); NetworkPolicy default-deny ingress: no',
      'cluster.local/ns/web/sa/frontend | anyone in the mesh',
      'istio: running pods carry the istio-proxy sidecar',
      'ev-0000000000000001 ev-0000000000000002',
    ]);
    expect(only(renderWorkloadsCsv([row({ ports: [{ port: '*', mtls: 'plaintext' }], notes: [], callers: [] })])).slice(7, 11)).toEqual([
      '* plaintext',
      'deny (allow-nothing payments/allow-nothing); NetworkPolicy default-deny ingress: no',
      '',
      '',
    ]);
    expect(LIST_SEPARATOR).toBe(' | ');
    // Not cut for display, unlike the report.
    const long = 'n'.repeat(50_000);
    expect(only(renderWorkloadsCsv([row({ notes: [long] })]))[COLUMN.notes]).toBe(long);
  });

  it('quotes commas, quotes and newlines per RFC 4180 with CRLF line ends, through csvCell', () => {
    const inbound = 'allow, "all"\nof it';
    const csv = renderWorkloadsCsv([row({ inboundDefault: inbound })]);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv).toContain(csvCell(inbound));
    expect(csv).toContain('"allow, ""all""\r\nof it"');
    expect(only(csv)[COLUMN.inbound_default]).toBe('allow, "all"\r\nof it');
  });

  it('neutralises cells a spreadsheet would run as a formula, in every text column', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) {
      const value = `${start}HYPERLINK("http://evil.example","x")`;
      const cells = only(
        renderWorkloadsCsv([row({ namespace: value, name: value, callers: [value, 'anyone'], notes: [value], inboundDefault: value, ports: [{ port: 8080, mtls: value }] })]),
      );
      for (const column of ['namespace', 'name', 'callers', 'notes', 'inbound_default'] as const) {
        expect(cells[COLUMN[column]]?.startsWith("'"), `${column} ${JSON.stringify(start)}`).toBe(true);
      }
      // The port comes first, so the ports cell cannot start with the payload.
      expect(cells[COLUMN.ports]?.startsWith('8080 ')).toBe(true);
    }
  });

  it('keeps hostile names whole but strips terminal escapes and bidi overrides', () => {
    const cells = only(renderWorkloadsCsv([row({ name: HOSTILE_NAME, callers: [`ServiceAccount payments/${HOSTILE}`], notes: [`note ${HOSTILE}`] })]));
    expect(cells[COLUMN.name]).toBe('pay<script>alert(1)</script>{{constructor}}gnp');
    expect(cells[COLUMN.callers]).toBe('ServiceAccount payments/<script>alert(1)</script>{{constructor}}redevil');
    expect(cells[COLUMN.notes]).toBe('note <script>alert(1)</script>{{constructor}}redevil');
    const text = renderWorkloadsCsv(sampleInput().workloads);
    expect(text).not.toMatch(/[\u001b\u202a-\u202e\u2066-\u2069]/);
  });

  it('orders rows by target, namespace, kind and name, whatever the input order', () => {
    const input = sampleInput();
    const csv = renderWorkloadsCsv(input.workloads);
    expect(renderWorkloadsCsv([...input.workloads].reverse())).toBe(csv);
    const keys = parseCsv(csv)
      .slice(1)
      .map((r) => [r[COLUMN.target], r[COLUMN.namespace], r[COLUMN.kind], r[COLUMN.name]].join('\u0000'));
    expect(keys).toEqual([...keys].sort());
  });

  it('writes only the header for an estate without workloads', () => {
    expect(renderWorkloadsCsv([])).toBe(`${WORKLOADS_CSV_COLUMNS.join(',')}\r\n`);
  });
});
