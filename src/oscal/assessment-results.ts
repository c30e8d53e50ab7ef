import type { CheckMeta, CheckStatus } from '../checks/types.ts';
import type { ControlOutcome, ControlStatus, FrameworkId } from '../controls/types.ts';
import type { EvidenceRecord } from '../evidence/types.ts';
import { terminalSafeJson } from '../evidence/store.ts';
import type { ObjectRef } from '../inventory/types.ts';
import type { ReportInput, ReportedResult, TargetSummary } from '../render/report-input.ts';
import { displayText } from '../render/text.ts';
import {
  AUDITPACK_NS,
  OSCAL_SCHEMA_URL,
  OSCAL_VERSION,
  type AssessmentResultsDocument,
  type BackMatterResource,
  type ControlSelection,
  type Finding,
  type FindingTarget,
  type InventoryItem,
  type ObjectiveState,
  type Observation,
  type Origin,
  type Prop,
  type RelevantEvidence,
  type SubjectReference,
  type SystemComponent,
} from './types.ts';
import { oscalUuid } from './uuid.ts';
import { FRAMEWORK_LABELS } from '../controls/types.ts';

// oscal/assessment-results.json: the run as an OSCAL 1.1 Assessment Results document, for GRC tools
// that import OSCAL. It says nothing findings.json does not; it re-expresses it in NIST's model.
export const OSCAL_AR_FILE = 'oscal/assessment-results.json';

// The document sits in oscal/, so links to other bundle files climb one level.
const BUNDLE_ROOT = '../';

// Strings that came from clusters, clouds or files are sanitized and bounded like everywhere else;
// the full values stay in the raw evidence and findings.json.
const TITLE_MAX = 200;
const PROP_MAX = 500;
const TEXT_MAX = 2000;
const LINE_MAX = 300;
const MAX_RESULT_LINES = 50;

const STATUS_LABELS: Record<CheckStatus, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  error: 'ERROR',
  not_applicable: 'N/A',
  waived: 'WAIVED',
};

const TOOL_OPERATOR_ROLE = 'tool-operator';

// auditpack's five control statuses onto OSCAL's two objective states. Only `satisfied` maps to
// satisfied: its deciding (satisfies) checks passed, and for a partial control an attestation is in
// force. Missing evidence, a control not assessed, a manual control (attested or not; auditpack
// cannot verify an attestation) and a declared or proven not-applicable control are "not shown to be met".
export function objectiveStatus(status: ControlStatus): { state: ObjectiveState; reason: 'pass' | 'fail' | 'other'; remarks: string } {
  switch (status) {
    case 'satisfied':
      return {
        state: 'satisfied',
        reason: 'pass',
        remarks:
          'auditpack status satisfied: every result of the checks that decide this control (satisfies edges) passed or was waived under an approved exception; ' +
          'supporting checks never decide it, and a partial control also needs an attestation in force.',
      };
    case 'not_satisfied':
      return { state: 'not-satisfied', reason: 'fail', remarks: 'auditpack status not_satisfied: at least one result of a mapped check (deciding or supporting) failed.' };
    case 'insufficient_evidence':
      return {
        state: 'not-satisfied',
        reason: 'other',
        remarks:
          'auditpack status insufficient_evidence: evidence for a deciding check was missing, denied or unparseable, or no deciding check could be assessed in this run ' +
          '(no source of that evidence, or nothing in scope), so the control could not be shown to be met.',
      };
    case 'manual':
      return {
        state: 'not-satisfied',
        reason: 'other',
        remarks: 'auditpack status manual: no check decides this control (at most supporting evidence); it needs a human assessment, which auditpack does not perform.',
      };
    case 'not_applicable':
      return {
        state: 'not-satisfied',
        reason: 'other',
        remarks: 'auditpack status not_applicable: declared out of scope in the configuration (justification and approver recorded), or a catalog condition the evidence proves absent.',
      };
  }
}

export function renderAssessmentResults(input: ReportInput): string {
  return `${terminalSafeJson(buildAssessmentResults(input))}\n`;
}

export function buildAssessmentResults(input: ReportInput): AssessmentResultsDocument {
  const run = input.run;
  const start = oscalDateTime(run.startedAt, new Date(0).toISOString());
  const end = oscalDateTime(run.finishedAt, start);
  const ids = controlTokens(input.controls);

  const toolComponent: SystemComponent = {
    uuid: oscalUuid('tool', run.tool.name),
    type: 'software',
    title: text(`${run.tool.name} ${run.tool.version}`, TITLE_MAX),
    description: 'Collects service-mesh, Kubernetes and cloud security configuration as signed evidence and judges it with automated checks mapped to compliance controls.',
    props: [prop('version', run.tool.version)],
    status: { state: 'operational' },
  };
  const toolOrigin: Origin[] = [{ actors: [{ type: 'tool', 'actor-uuid': toolComponent.uuid }] }];

  const targets = targetComponents(input.targets, input.results);
  const items = new Map<string, InventoryItem>();
  const records = new Map(input.evidence.map((r) => [r.id, r]));
  const sortedEvidence = [...input.evidence].sort((a, b) => compare(a.id, b.id));
  const evidenceResources = sortedEvidence.map((r) => evidenceResource(r));
  const resourceUuid = new Map(sortedEvidence.map((r, i) => [r.id, evidenceResources[i]?.uuid ?? '']));

  // One observation per check × target, in check order then target order.
  const checkOrder = new Map(input.checks.map((c, i) => [c.id, i]));
  const checkMeta = new Map(input.checks.map((c) => [c.id, c]));
  const groups = new Map<string, { check: string; target: string; results: ReportedResult[] }>();
  for (const r of input.results) {
    const key = `${r.check}\u0000${r.target}`;
    const group = groups.get(key) ?? { check: r.check, target: r.target, results: [] };
    group.results.push(r);
    groups.set(key, group);
  }
  const ordered = [...groups.values()].sort((a, b) => (checkOrder.get(a.check) ?? Infinity) - (checkOrder.get(b.check) ?? Infinity) || compare(a.check, b.check) || compare(a.target, b.target));
  const observationUuid = new Map<string, string>();
  const observations: Observation[] = ordered.map((g) => {
    const obs = observation(run.id, g, checkMeta.get(g.check), targets, items, records, resourceUuid, toolOrigin, start);
    observationUuid.set(`${g.check}\u0000${g.target}`, obs.uuid);
    return obs;
  });
  const targetNames = [...targets.keys()].sort(compare);

  // Attestation attachments are bundle files too: listed with their hashes, linked from the finding.
  const attachmentResources = new Map<string, BackMatterResource>();
  for (const c of input.controls) {
    for (const a of c.attestation?.attachments ?? []) {
      if (attachmentResources.has(a.path)) continue;
      attachmentResources.set(a.path, {
        uuid: oscalUuid('attachment', a.path, a.sha256),
        title: text(`Attestation attachment ${a.path}`, TITLE_MAX),
        props: [prop('framework', c.framework), prop('control-id', c.id), prop('size', String(a.size))],
        rlinks: [{ href: bundleHref(a.path), hashes: [{ algorithm: 'SHA-256', value: a.sha256 }] }],
      });
    }
  }
  const findings: Finding[] = input.controls.map((c) => {
    const related: { 'observation-uuid': string }[] = [];
    for (const check of c.checks) {
      for (const t of targetNames) {
        const uuid = observationUuid.get(`${check}\u0000${t}`);
        if (uuid) related.push({ 'observation-uuid': uuid });
      }
    }
    return finding(run.id, c, ids.get(controlKey(c)) ?? '', related, toolOrigin, attachmentResources);
  });

  const operatorParty = { uuid: oscalUuid('party', run.operator), type: 'person' as const, name: value(run.operator) };
  const runResource: BackMatterResource = {
    uuid: oscalUuid('run-record', run.id),
    title: 'auditpack run record (run.json)',
    description: 'What was assessed and how: run id, times, operator, command, frameworks and targets. auditpack has no separate OSCAL assessment plan; this record stands in for it.',
    props: [prop('run-id', run.id)],
    rlinks: [{ href: bundleHref('run.json'), 'media-type': 'application/json' }],
  };

  const frameworkLabel = run.frameworks.map((f) => FRAMEWORK_LABELS[f]).join(', ');
  return {
    $schema: OSCAL_SCHEMA_URL,
    'assessment-results': {
      uuid: oscalUuid('assessment-results', run.id),
      metadata: {
        title: text(`auditpack assessment results: run ${run.id}`, TITLE_MAX),
        published: end,
        'last-modified': end,
        // One document per run; the run id names its version.
        version: value(run.id),
        'oscal-version': OSCAL_VERSION,
        props: [
          prop('tool', `${run.tool.name} ${run.tool.version}`),
          prop('signing-key-fingerprint', run.signing.keyFingerprint),
          prop('signing-key-ephemeral', run.signing.ephemeral ? 'true' : 'false'),
          ...(run.inputEvidence ? [prop('input-evidence-verified', run.inputEvidence.verified ? 'true' : 'false')] : []),
          ...(run.inputEvidence?.keyFingerprint ? [prop('input-evidence-key-fingerprint', run.inputEvidence.keyFingerprint), prop('input-evidence-key-source', run.inputEvidence.keySource ?? 'bundled')] : []),
        ],
        roles: [{ id: TOOL_OPERATOR_ROLE, title: 'Tool operator', description: 'Ran auditpack to collect and judge the evidence in this bundle.' }],
        parties: [operatorParty],
        'responsible-parties': [{ 'role-id': TOOL_OPERATOR_ROLE, 'party-uuids': [operatorParty.uuid] }],
        remarks: 'Generated by auditpack from the same evidence and judgement as findings.json. This file is listed and hashed in manifest.json, which manifest.sig signs.',
      },
      'import-ap': {
        href: `#${runResource.uuid}`,
        remarks: 'No OSCAL assessment plan exists for an auditpack run; the reference points at the run record in back-matter.',
      },
      results: [
        {
          uuid: oscalUuid('result', run.id),
          title: text(`auditpack run ${run.id}`, TITLE_MAX),
          description: text(
            `Automated evaluation of ${input.targets.length} target(s) against ${frameworkLabel || 'no framework'} by ${run.tool.name} ${run.tool.version}: ` +
              `${input.checks.length} checks, ${input.results.length} results, ${input.controls.length} controls.`,
            TEXT_MAX,
          ),
          start,
          end,
          props: [prop('run-id', run.id), prop('command', run.command), ...run.frameworks.map((f) => prop('framework', f))],
          'local-definitions': {
            ...(targets.size > 0 ? { components: targetNames.map((n) => targets.get(n)).filter((c): c is SystemComponent => c !== undefined) } : {}),
            ...(items.size > 0 ? { 'inventory-items': [...items.entries()].sort((a, b) => compare(a[0], b[0])).map(([, item]) => item) } : {}),
            'assessment-assets': {
              components: [toolComponent],
              'assessment-platforms': [
                { uuid: oscalUuid('platform', run.tool.name), title: text(`${run.tool.name} ${run.tool.version}`, TITLE_MAX), 'uses-components': [{ 'component-uuid': toolComponent.uuid }] },
              ],
            },
          },
          'reviewed-controls': {
            description: 'The controls of the selected frameworks; ids are OSCAL tokens made from "<framework>_<control id>", with the original id in the control-id property of each finding.',
            'control-selections': controlSelections(run.frameworks, input.controls, ids),
          },
          ...(observations.length > 0 ? { observations } : {}),
          ...(findings.length > 0 ? { findings } : {}),
        },
      ],
      'back-matter': { resources: [runResource, ...evidenceResources, ...[...attachmentResources.values()].sort((a, b) => compare(a.title ?? '', b.title ?? ''))] },
    },
  };
}

function observation(
  runId: string,
  g: { check: string; target: string; results: ReportedResult[] },
  meta: CheckMeta | undefined,
  targets: Map<string, SystemComponent>,
  items: Map<string, InventoryItem>,
  records: Map<string, EvidenceRecord>,
  resourceUuid: Map<string, string>,
  origins: Origin[],
  fallbackTime: string,
): Observation {
  const counts: Record<CheckStatus, number> = { pass: 0, fail: 0, error: 0, not_applicable: 0, waived: 0 };
  for (const r of g.results) counts[r.status] += 1;

  const subjects: SubjectReference[] = [];
  const target = targets.get(g.target);
  if (target) subjects.push({ 'subject-uuid': target.uuid, type: 'component', title: target.title });
  const seenSubjects = new Set<string>();
  for (const r of g.results) {
    const item = inventoryItem(g.target, r.resource, target, items);
    if (seenSubjects.has(item.uuid)) continue;
    seenSubjects.add(item.uuid);
    subjects.push({ 'subject-uuid': item.uuid, type: 'inventory-item', title: text(resourceLabel(r.resource), TITLE_MAX) });
  }

  const evidenceIds = [...new Set(g.results.flatMap((r) => r.evidence))].sort(compare);
  const evidence: RelevantEvidence[] = evidenceIds.map((id) => {
    const record = records.get(id);
    if (!record) return { description: text(`Evidence record ${id} is referenced by a result but absent from evidence/index.jsonl.`, TEXT_MAX), props: [prop('evidence-id', id)] };
    const resource = resourceUuid.get(id);
    return {
      href: bundleHref(record.path),
      description: evidenceDescription(record),
      props: [prop('evidence-id', record.id), prop('sha256', record.sha256)],
      ...(resource ? { links: [{ href: `#${resource}`, rel: 'reference' }] } : {}),
    };
  });
  const collected = evidenceIds
    .map((id) => records.get(id)?.collectedAt)
    .filter((t): t is string => t !== undefined)
    .map((t) => oscalDateTime(t, ''))
    .filter((t) => t !== '')
    .sort()
    .at(-1);

  const lines = g.results.slice(0, MAX_RESULT_LINES).map((r) => text(`${STATUS_LABELS[r.status]} ${resourceLabel(r.resource)}: ${r.message}`, LINE_MAX));
  if (g.results.length > MAX_RESULT_LINES) lines.push(`… and ${g.results.length - MAX_RESULT_LINES} more result(s); findings.json lists every one.`);
  const title = meta ? meta.title : g.check;
  const summary = (Object.keys(counts) as CheckStatus[]).filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`).join(', ');

  return {
    uuid: oscalUuid('observation', runId, g.check, g.target),
    title: text(`${g.check} on ${g.target}`, TITLE_MAX),
    description: multiline(`${title}. Results on target ${g.target}: ${summary}.\n${lines.join('\n')}`, TEXT_MAX + MAX_RESULT_LINES * LINE_MAX),
    props: [
      prop('check', g.check),
      prop('target', g.target),
      ...(meta ? [prop('severity', meta.severity)] : []),
      ...(Object.keys(counts) as CheckStatus[]).map((s) => prop(`results-${s.replace('_', '-')}`, String(counts[s]))),
    ],
    // auditpack examines configuration evidence; it does not exercise the mechanisms themselves.
    methods: ['EXAMINE'],
    types: ['control-objective'],
    origins,
    ...(subjects.length > 0 ? { subjects } : {}),
    ...(evidence.length > 0 ? { 'relevant-evidence': evidence } : {}),
    collected: collected ?? fallbackTime,
  };
}

function finding(runId: string, c: ControlOutcome, token: string, related: { 'observation-uuid': string }[], origins: Origin[], attachments: Map<string, BackMatterResource>): Finding {
  const links = (c.attestation?.attachments ?? [])
    .map((a) => attachments.get(a.path))
    .filter((r): r is BackMatterResource => r !== undefined)
    .map((r) => ({ href: `#${r.uuid}`, rel: 'reference', text: 'attestation attachment' }));
  const status = objectiveStatus(c.status);
  const target: FindingTarget = {
    type: 'objective-id',
    'target-id': token,
    title: text(`${FRAMEWORK_LABELS[c.framework]} ${c.id}`, TITLE_MAX),
    status: { state: status.state, reason: status.reason, remarks: status.remarks },
    ...(c.status === 'not_applicable' ? { 'implementation-status': { state: 'not-applicable' as const, remarks: text(c.reason, TEXT_MAX) } } : {}),
  };
  const attestation = c.attestation
    ? `Attested by ${c.attestation.attestedBy} on ${c.attestation.attestedAt} (valid until ${c.attestation.validUntil}): ${c.attestation.statement}`
    : undefined;
  return {
    uuid: oscalUuid('finding', runId, c.framework, c.id),
    title: text(`${FRAMEWORK_LABELS[c.framework]} ${c.id}: ${c.title}`, TITLE_MAX),
    description: multiline([c.reason, c.manual, attestation].filter((s): s is string => s !== undefined && s !== '').join('\n'), TEXT_MAX),
    props: [
      prop('auditpack-status', c.status),
      prop('framework', c.framework),
      prop('control-id', c.id),
      prop('evidence-kind', c.evidence),
      // One prop per mapping edge: strength, check and where the mapping comes from.
      ...c.edges.map((e) => prop('mapping-edge', `${e.strength} ${e.check} (${e.source})`)),
      ...(c.notApplicable ? [prop('not-applicable-approver', c.notApplicable.approver)] : []),
      ...(c.checks.length > 0 ? [prop('results-pass', String(c.counts.pass)), prop('results-fail', String(c.counts.fail)), prop('results-error', String(c.counts.error)), prop('results-not-applicable', String(c.counts.not_applicable)), prop('results-waived', String(c.counts.waived))] : []),
      ...(c.attestation ? [prop('attested-by', c.attestation.attestedBy), prop('attestation-valid-until', c.attestation.validUntil)] : []),
    ],
    origins,
    ...(links.length > 0 ? { links } : {}),
    target,
    ...(related.length > 0 ? { 'related-observations': related } : {}),
    ...(c.attestation
      ? {
          remarks:
            c.status === 'satisfied'
              ? 'The automated part passed; the rest rests on the attestation as recorded, which auditpack does not verify.'
              : 'The attestation is recorded as stated; auditpack does not verify it, so the objective state stays not-satisfied.',
        }
      : {}),
  };
}

function controlSelections(frameworks: readonly FrameworkId[], controls: readonly ControlOutcome[], ids: Map<string, string>): ControlSelection[] {
  const selections: ControlSelection[] = [];
  for (const f of frameworks) {
    const include = controls.filter((c) => c.framework === f).map((c) => ({ 'control-id': ids.get(controlKey(c)) ?? '' }));
    if (include.length === 0) continue;
    selections.push({ description: `${FRAMEWORK_LABELS[f]} controls evaluated in this run.`, props: [prop('framework', f)], 'include-controls': include });
  }
  // OSCAL requires at least one selection even when no framework was selected.
  return selections.length > 0 ? selections : [{ description: 'No framework was selected for this run; no controls were reviewed.' }];
}

function targetComponents(summaries: readonly TargetSummary[], results: readonly ReportedResult[]): Map<string, SystemComponent> {
  const components = new Map<string, SystemComponent>();
  for (const t of summaries) {
    components.set(t.name, {
      uuid: oscalUuid('target', t.name),
      type: 'system',
      title: text(t.name, TITLE_MAX),
      description: text(`Target ${t.name} (${t.source}${t.location ? `: ${t.location}` : ''}): ${t.objects} objects, ${t.namespaces} namespaces, ${t.workloads} workloads.`, TEXT_MAX),
      props: [prop('target', t.name), prop('source', t.source), ...(t.location ? [prop('location', t.location)] : [])],
      status: { state: 'operational' },
    });
  }
  // A result names its target; one without a summary still gets a subject.
  for (const r of results) {
    if (components.has(r.target)) continue;
    components.set(r.target, { uuid: oscalUuid('target', r.target), type: 'system', title: text(r.target, TITLE_MAX), description: text(`Target ${r.target}.`, TEXT_MAX), props: [prop('target', r.target)], status: { state: 'operational' } });
  }
  return components;
}

function inventoryItem(target: string, resource: ObjectRef, component: SystemComponent | undefined, items: Map<string, InventoryItem>): InventoryItem {
  const key = `${target}\u0000${resource.kind}\u0000${resource.namespace ?? ''}\u0000${resource.name}`;
  const existing = items.get(key);
  if (existing) return existing;
  const item: InventoryItem = {
    uuid: oscalUuid('resource', target, resource.kind, resource.namespace ?? '', resource.name),
    description: text(`${resourceLabel(resource)} in target ${target}`, TEXT_MAX),
    props: [prop('target', target), prop('kind', resource.kind), ...(resource.namespace ? [prop('namespace', resource.namespace)] : []), prop('name', resource.name)],
    ...(component ? { 'implemented-components': [{ 'component-uuid': component.uuid }] } : {}),
  };
  items.set(key, item);
  return item;
}

function evidenceResource(r: EvidenceRecord): BackMatterResource {
  return {
    uuid: oscalUuid('evidence', r.id, r.sha256),
    title: text(`Evidence ${r.id}`, TITLE_MAX),
    description: evidenceDescription(r),
    props: [
      prop('evidence-id', r.id),
      prop('target', r.target),
      prop('collected', r.collectedAt),
      ...(r.kind ? [prop('kind', r.kind)] : []),
      prop('cli', r.cli),
      ...(r.redactions.length > 0 ? [prop('redacted-fields', String(r.redactions.length))] : []),
    ],
    rlinks: [
      { href: bundleHref(r.path), 'media-type': 'application/json', hashes: [{ algorithm: 'SHA-256', value: r.sha256 }] },
      { href: bundleHref(r.cliPath), 'media-type': 'text/plain' },
    ],
  };
}

function evidenceDescription(r: EvidenceRecord): string {
  const subject = [r.kind, r.namespace && r.name ? `${r.namespace}/${r.name}` : r.name].filter(Boolean).join(' ') || 'Object';
  const where = r.source.call ?? (r.source.file ? `${r.source.file}${r.source.line ? `:${r.source.line}` : ''}` : r.source.type);
  return text(`${subject} from target ${r.target} (${r.source.type}: ${where}), collected ${r.collectedAt}; reproduce with: ${r.cli}`, TEXT_MAX);
}

// OSCAL tokens (XML NCNames) cannot hold "(" or start with a digit, which HIPAA and PCI ids do, so
// each control gets "<framework>_<id>" with other characters folded to "_"; a clash gets a suffix.
function controlTokens(controls: readonly ControlOutcome[]): Map<string, string> {
  const tokens = new Map<string, string>();
  const used = new Set<string>();
  for (const c of controls) {
    const key = controlKey(c);
    if (tokens.has(key)) continue;
    const base = `${c.framework}_${c.id}`.replace(/[^\p{L}\p{N}._-]+/gu, '_').replace(/_+$/, '');
    let token = base;
    for (let n = 2; used.has(token); n += 1) token = `${base}-${n}`;
    used.add(token);
    tokens.set(key, token);
  }
  return tokens;
}

// A relative reference from oscal/ to a bundle file, each segment percent-encoded so any file name
// is a valid URI reference.
function bundleHref(bundlePath: string): string {
  return BUNDLE_ROOT + bundlePath.split('/').map((s) => encodeURIComponent(s)).join('/');
}

function controlKey(c: Pick<ControlOutcome, 'framework' | 'id'>): string {
  return `${c.framework}\u0000${c.id}`;
}

function resourceLabel(r: ObjectRef): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

// OSCAL date-times need a zone and a year in 1900–2999; anything else falls back (a record's
// collectedAt comes from a file and is not trusted to be well formed).
function oscalDateTime(value: string, fallback: string): string {
  const d = new Date(value);
  const year = d.getUTCFullYear();
  if (Number.isNaN(d.getTime()) || year < 1900 || year > 2999) return fallback;
  return d.toISOString();
}

function text(value: string, max: number): string {
  return displayText(value, max);
}

function multiline(value: string, max: number): string {
  return displayText(value, max, { multiline: true });
}

// OSCAL strings (prop values, names) must be non-empty with no leading or trailing whitespace.
function value(raw: string): string {
  const v = displayText(raw, PROP_MAX).trim();
  return v === '' ? '(empty)' : v;
}

function prop(name: string, raw: string): Prop {
  return { name, ns: AUDITPACK_NS, value: value(raw) };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
