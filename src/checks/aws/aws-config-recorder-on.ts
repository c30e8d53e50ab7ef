import { NO_SCOPE_MESSAGE, awsScopes, gapText, identityEvidence, noScopeFinding, type AwsScope } from '../../inventory/aws/scope.ts';
import type { AwsConfigRecorder, AwsConfigRecorderStatus } from '../../inventory/aws/types.ts';
import type { Check, CheckFinding } from '../types.ts';

const REQUIRES = ['AwsConfigRecorders', 'AwsConfigRecorderStatus'] as const;

interface Judged {
  recorder: AwsConfigRecorder;
  status: AwsConfigRecorderStatus | undefined;
  // Problems in the recorder's configuration (coverage) and in its running state.
  coverage: string[];
  running: string[];
}

// The account's own recorder (service-linked recorders record for one AWS service only).
function accountRecorder(s: AwsScope): AwsConfigRecorder | undefined {
  return s.inventory?.recorders?.items.find((r) => !r.serviceLinked);
}

function judge(s: AwsScope, recorder: AwsConfigRecorder): Judged {
  const status = s.inventory?.recorderStatus?.items.find((x) => x.name === recorder.name);
  const coverage: string[] = [];
  if (recorder.allSupported !== true) {
    coverage.push(
      recorder.recordingStrategy === 'EXCLUSION_BY_RESOURCE_TYPES' || recorder.excludedResourceTypes.length > 0
        ? `excludes ${recorder.excludedResourceTypes.length} resource type(s) (${recorder.excludedResourceTypes.slice(0, 5).join(', ')}${recorder.excludedResourceTypes.length > 5 ? ', …' : ''}) instead of recording all supported types`
        : `records only ${recorder.resourceTypes.length} selected resource type(s) instead of all supported types (recordingGroup.allSupported is ${String(recorder.allSupported ?? 'absent')})`,
    );
  }
  const running: string[] = [];
  if (status) {
    if (status.recording !== true) running.push(`is not recording (recording ${String(status.recording ?? 'absent')})`);
    // The CLI example prints SUCCESS, the API documents Success, moto returns PENDING: case-insensitive.
    if ((status.lastStatus ?? '').toLowerCase() !== 'success') {
      const err = [status.lastErrorCode, status.lastErrorMessage].filter((x): x is string => Boolean(x)).join(': ');
      running.push(`has last status ${status.lastStatus ?? 'absent'}${err ? ` (${err})` : ''}, not SUCCESS`);
    }
  }
  return { recorder, status, coverage, running };
}

function recordsGlobalTypes(j: Judged): boolean {
  return j.coverage.length === 0 && j.running.length === 0 && j.status !== undefined && j.recorder.includeGlobalResourceTypes === true;
}

export const awsConfigRecorderOn: Check = {
  meta: {
    id: 'aws-config-recorder-on',
    title: 'AWS Config records every supported resource type in every region in scope, with global types recorded once per account',
    severity: 'high',
    area: 'aws',
    rationale:
      'The configuration recorder is the change history and asset inventory of an account, and Security Hub controls are evaluated from ' +
      'what it records. A stopped or failing recorder, or one limited to selected resource types, leaves changes unrecorded and controls ' +
      'unevaluated. Global resources (IAM users, roles, policies) need includeGlobalResourceTypes in at least one region.',
    remediation:
      'Record all supported resource types and start the recorder in each region: aws configservice put-configuration-recorder ' +
      '--configuration-recorder name=default,roleARN=<role> --recording-group allSupported=true,includeGlobalResourceTypes=<true in one region> ' +
      'and aws configservice start-configuration-recorder --configuration-recorder-name default. A FAILURE status names the delivery or ' +
      'permission error to fix (lastErrorCode).',
    requires: REQUIRES,
    proves:
      'Each collected region has a customer-managed configuration recorder with recordingGroup.allSupported true that is recording with ' +
      'last status SUCCESS, and at least one region of each account records global resource types.',
    messages: {
      recording: 'AWS Config recorder {{recorder}} in {{scope}} records all supported resource types and last delivered successfully{{global}}.',
      notRecording: 'AWS Config recorder {{recorder}} in {{scope}} {{problems}}.',
      unhealthy: 'AWS Config recorder {{recorder}} in {{scope}} {{problems}}.',
      partialCoverage: 'AWS Config recorder {{recorder}} in {{scope}} {{problems}}.',
      noRecorder: 'AWS Config has no configuration recorder in {{scope}}{{serviceLinked}}, so no configuration change there is recorded.',
      recordersMissing: 'AWS Config recording in {{scope}} is unknown: no DescribeConfigurationRecorders response is in the evidence{{gaps}}.',
      statusMissing: 'Whether AWS Config recorder {{recorder}} in {{scope}} is recording is unknown: no DescribeConfigurationRecorderStatus entry for it is in the evidence{{gaps}}.',
      noScope: NO_SCOPE_MESSAGE,
    },
  },
  evaluate({ target }) {
    const scopes = awsScopes(target);
    if (scopes.length === 0) return [noScopeFinding(target)];

    const judged = new Map<string, Judged>();
    for (const s of scopes) {
      const recorder = accountRecorder(s);
      if (recorder) judged.set(s.key, judge(s, recorder));
    }
    const globalAccounts = new Set(scopes.filter((s) => { const j = judged.get(s.key); return j !== undefined && recordsGlobalTypes(j); }).map((s) => s.account));

    return scopes.map((s): CheckFinding => {
      const resource = { kind: 'ConfigurationRecorder', namespace: s.key, name: s.key };
      const recorders = s.inventory?.recorders;
      const statusIds = s.inventory?.recorderStatus?.evidenceIds ?? [];
      if (!recorders) {
        const gaps = gapText(s, REQUIRES);
        return {
          status: 'error',
          resource,
          messageId: 'recordersMissing',
          data: { scope: s.key, gaps: gaps ? ` (${gaps})` : '' },
          evidence: statusIds.length > 0 ? statusIds : identityEvidence(target, s.account),
        };
      }
      const j = judged.get(s.key);
      if (!j) {
        const linked = recorders.items.filter((r) => r.serviceLinked).map((r) => r.name);
        return {
          status: 'fail',
          resource,
          messageId: 'noRecorder',
          data: { scope: s.key, serviceLinked: linked.length > 0 ? ` (only service-linked recorders: ${linked.join(', ')})` : '' },
          evidence: [...recorders.evidenceIds, ...statusIds],
        };
      }
      const recorder = j.recorder.name || '(unnamed)';
      const evidence = [j.recorder.evidenceId, ...(j.status ? [j.status.evidenceId] : [])];
      const problems = [...j.running, ...j.coverage];
      if (problems.length > 0) {
        const messageId = j.status && j.status.recording !== true ? 'notRecording' : j.running.length > 0 ? 'unhealthy' : 'partialCoverage';
        return { status: 'fail', resource, messageId, data: { scope: s.key, recorder, problems: problems.join('; it ') }, evidence };
      }
      if (!j.status) {
        const gaps = gapText(s, REQUIRES);
        return { status: 'error', resource, messageId: 'statusMissing', data: { scope: s.key, recorder, gaps: gaps ? ` (${gaps})` : '' }, evidence: [...evidence, ...statusIds] };
      }
      const global = j.recorder.includeGlobalResourceTypes === true ? ', including global resource types' : '';
      return {
        status: 'pass',
        resource,
        messageId: 'recording',
        data: { scope: s.key, recorder, global },
        evidence,
        ...(globalAccounts.has(s.account)
          ? {}
          : {
              warning: `No collected region of account ${s.account} records global resource types (IAM users, groups, roles and policies): set recordingGroup.includeGlobalResourceTypes in one region`,
            }),
      };
    });
  },
};
