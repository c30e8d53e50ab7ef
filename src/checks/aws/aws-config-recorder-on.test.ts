import { describe, expect, it } from 'vitest';
import { evaluateCheck } from '../evaluate.ts';
import { describeCheck, inventoryOf } from '../tester.ts';
import { ACCOUNT, EU, US, awsObject, fixture, identity, recorderStatus, recorders } from '../../../test/collectors/aws/aws-objects.ts';
import { awsConfigRecorderOn } from './aws-config-recorder-on.ts';

const scope = (region: string): { kind: string; namespace: string; name: string } => ({ kind: 'ConfigurationRecorder', namespace: `${ACCOUNT}/${region}`, name: `${ACCOUNT}/${region}` });

describeCheck(awsConfigRecorderOn, {
  pass: [
    {
      name: 'aws-cli examples: recorder default, allSupported + global types, recording, lastStatus SUCCESS (upper case)',
      objects: [
        identity(),
        awsObject('AwsConfigRecorders', ACCOUNT, 'us-west-1', fixture('configservice-describe-configuration-recorders.json')),
        awsObject('AwsConfigRecorderStatus', ACCOUNT, 'us-west-1', fixture('configservice-describe-configuration-recorder-status.json')),
      ],
      expect: [{ ...scope('us-west-1'), status: 'pass', messageId: 'recording', warning: false }],
    },
    {
      name: 'lastStatus in API case (Success); global types recorded in us-east-1 only, which is enough',
      objects: [
        identity(),
        recorders([{ includeGlobal: true }], ACCOUNT, US),
        recorderStatus([{ lastStatus: 'Success' }], ACCOUNT, US),
        recorders([{ includeGlobal: false }], ACCOUNT, EU),
        recorderStatus([{ lastStatus: 'success' }], ACCOUNT, EU),
      ],
      expect: [
        { ...scope(EU), status: 'pass', messageId: 'recording', warning: false },
        { ...scope(US), status: 'pass', messageId: 'recording', warning: false },
      ],
    },
    {
      name: 'no region records global resource types: pass with a warning',
      objects: [identity(), recorders([{ includeGlobal: false }]), recorderStatus([{}])],
      expect: [{ ...scope(EU), status: 'pass', messageId: 'recording', warning: true }],
    },
    {
      name: 'a service-linked recorder next to the account recorder is not judged',
      objects: [identity(), recorders([{ includeGlobal: true }, { name: 'AWSConfigurationRecorderForSecurityHub', allSupported: false, servicePrincipal: 'securityhub.amazonaws.com' }]), recorderStatus([{}])],
      expect: [{ ...scope(EU), status: 'pass', messageId: 'recording' }],
    },
  ],
  fail: [
    {
      name: 'recorder stopped (recording false)',
      objects: [identity(), recorders([{ includeGlobal: true }]), recorderStatus([{ recording: false, lastStatus: 'SUCCESS' }])],
      expect: [{ ...scope(EU), status: 'fail', messageId: 'notRecording' }],
    },
    {
      name: 'recording but the last delivery failed',
      objects: [identity(), recorders([{ includeGlobal: true }]), recorderStatus([{ lastStatus: 'Failure', lastErrorCode: 'AccessDenied', lastErrorMessage: 'Access denied for the S3 bucket' }])],
      expect: [{ ...scope(EU), status: 'fail', messageId: 'unhealthy' }],
    },
    {
      name: 'moto-style PENDING is not SUCCESS',
      objects: [identity(), recorders([{ includeGlobal: true }]), recorderStatus([{ lastStatus: 'PENDING' }])],
      expect: [{ ...scope(EU), status: 'fail', messageId: 'unhealthy' }],
    },
    {
      name: 'only selected resource types are recorded',
      objects: [identity(), recorders([{ allSupported: false, resourceTypes: ['AWS::EC2::Instance', 'AWS::S3::Bucket'] }]), recorderStatus([{}])],
      expect: [{ ...scope(EU), status: 'fail', messageId: 'partialCoverage' }],
    },
    {
      name: 'exclusion strategy: all types except some',
      objects: [identity(), recorders([{ allSupported: false, exclusions: ['AWS::EC2::NetworkInterface'] }]), recorderStatus([{}])],
      expect: [{ ...scope(EU), status: 'fail', messageId: 'partialCoverage' }],
    },
    {
      name: 'no recorder in the region (only a service-linked one)',
      objects: [identity(), recorders([{ name: 'AWSConfigurationRecorderForControlTower', servicePrincipal: 'controltower.amazonaws.com' }]), recorderStatus([])],
      expect: [{ ...scope(EU), status: 'fail', messageId: 'noRecorder' }],
    },
    {
      name: 'no recorder at all',
      objects: [identity(), recorders([]), recorderStatus([])],
      expect: [{ ...scope(EU), status: 'fail', messageId: 'noRecorder' }],
    },
  ],
  error: [
    {
      name: 'recorder configured but its status is not in the evidence',
      objects: [identity(), recorders([{ includeGlobal: true }])],
      expect: [{ ...scope(EU), status: 'error', messageId: 'statusMissing' }],
    },
    {
      name: 'DescribeConfigurationRecorders denied',
      objects: [identity(), recorderStatus([{}])],
      gaps: [{ id: 'gap-recorders', reason: 'access-denied', kinds: ['AwsConfigRecorders'], namespace: `${ACCOUNT}/${EU}`, message: 'missing IAM permission config:DescribeConfigurationRecorders in eu-west-1' }],
      expect: [
        { ...scope(EU), status: 'error', messageId: 'recordersMissing' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'region unreachable: only the gaps name it',
      objects: [identity()],
      gaps: [
        { id: 'gap-recorders', reason: 'api-error', kinds: ['AwsConfigRecorders'], namespace: `${ACCOUNT}/${EU}`, message: 'config:DescribeConfigurationRecorders in eu-west-1 unreachable after 3 attempt(s)' },
        { id: 'gap-status', reason: 'api-error', kinds: ['AwsConfigRecorderStatus'], namespace: `${ACCOUNT}/${EU}`, message: 'config:DescribeConfigurationRecorderStatus in eu-west-1 was not called' },
      ],
      expect: [
        { ...scope(EU), status: 'error', messageId: 'recordersMissing' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
});

describe('aws-config-recorder-on messages', () => {
  it('lists every problem of the recorder', () => {
    const inv = inventoryOf([identity(), recorders([{ allSupported: false, resourceTypes: ['AWS::S3::Bucket'] }]), recorderStatus([{ recording: false, lastStatus: 'Failure', lastErrorCode: 'NoSuchBucket' }])]);
    const [r] = evaluateCheck(awsConfigRecorderOn, inv, new Date('2026-11-22T12:00:00Z'));
    expect(r?.message).toBe(
      'AWS Config recorder default in 123456789012/eu-west-1 is not recording (recording false); it has last status Failure (NoSuchBucket), not SUCCESS; it records only 1 selected resource type(s) instead of all supported types (recordingGroup.allSupported is false).',
    );
  });
});
