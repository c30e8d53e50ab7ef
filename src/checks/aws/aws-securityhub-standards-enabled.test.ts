import { describeCheck } from '../tester.ts';
import {
  ACCOUNT,
  CIS_V3,
  EU,
  FSBP,
  NIST,
  PCI_V4,
  US,
  awsObject,
  fixture,
  hub,
  hubNotEnabled,
  identity,
  standards,
} from '../../../test/collectors/aws/aws-objects.ts';
import { awsSecurityhubStandardsEnabled } from './aws-securityhub-standards-enabled.ts';

const scope = (region: string): { kind: string; namespace: string; name: string } => ({ kind: 'SecurityHubStandards', namespace: `${ACCOUNT}/${region}`, name: `${ACCOUNT}/${region}` });

describeCheck(awsSecurityhubStandardsEnabled, {
  pass: [
    {
      name: 'PCI DSS v4.0.1, AWS FSBP and CIS v3.0.0 all READY',
      objects: [identity(), hub(), standards([{ standard: PCI_V4 }, { standard: FSBP }, { standard: CIS_V3 }])],
      expect: [{ ...scope(EU), status: 'pass', messageId: 'ready', warning: false }],
    },
    {
      name: 'aws-cli get-enabled-standards example: PCI DSS v3.2.1 READY passes, with warnings (FSBP and CIS missing, PCI not v4)',
      objects: [identity(), awsObject('AwsSecurityHubStandards', ACCOUNT, 'us-west-1', fixture('securityhub-get-enabled-standards.json'), '1')],
      expect: [{ ...scope('us-west-1'), status: 'pass', messageId: 'ready', warning: true }],
    },
    {
      name: 'a standard being disabled (DELETING) is not a broken subscription',
      objects: [identity(), hub(), standards([{ standard: FSBP }, { standard: 'cis-aws-foundations-benchmark/v/1.2.0', status: 'DELETING' }])],
      expect: [{ ...scope(EU), status: 'pass', messageId: 'ready', warning: true }],
    },
    {
      name: 'subscriptions spread over two pages (NextToken, then the last page)',
      objects: [identity(), hub(), standards([{ standard: NIST }], ACCOUNT, EU, '1', 'page-2'), standards([{ standard: PCI_V4 }], ACCOUNT, EU, '2')],
      expect: [{ ...scope(EU), status: 'pass', messageId: 'ready' }],
    },
  ],
  fail: [
    {
      name: 'PCI DSS INCOMPLETE because AWS Config is not recording',
      objects: [identity(), hub(), standards([{ standard: PCI_V4, status: 'INCOMPLETE', reason: 'NO_AVAILABLE_CONFIGURATION_RECORDER' }, { standard: FSBP }])],
      expect: [{ ...scope(EU), status: 'fail', messageId: 'notReady' }],
    },
    {
      name: 'a FAILED or PENDING subscription is not evaluating',
      objects: [identity(), hub(), standards([{ standard: FSBP, status: 'FAILED', reason: 'INTERNAL_ERROR' }, { standard: CIS_V3, status: 'PENDING' }])],
      expect: [{ ...scope(EU), status: 'fail', messageId: 'notReady' }],
    },
    {
      name: 'no standard subscribed at all',
      objects: [identity(), hub(), standards([])],
      expect: [{ ...scope(EU), status: 'fail', messageId: 'noneReady' }],
    },
    {
      name: 'only a standard outside PCI DSS / FSBP / CIS is READY',
      objects: [identity(), hub(), standards([{ standard: NIST }])],
      expect: [{ ...scope(EU), status: 'fail', messageId: 'noneReady' }],
    },
    {
      name: 'Security Hub not enabled: no standard is evaluated',
      objects: [identity(), hubNotEnabled(), standards([{ standard: PCI_V4 }], ACCOUNT, US), hub(ACCOUNT, US)],
      expect: [
        { ...scope(EU), status: 'fail', messageId: 'hubNotEnabled' },
        { ...scope(US), status: 'pass', messageId: 'ready' },
      ],
    },
  ],
  error: [
    {
      name: 'hub enabled but no GetEnabledStandards response',
      objects: [identity(), hub()],
      expect: [{ ...scope(EU), status: 'error', messageId: 'standardsMissing' }],
    },
    {
      name: 'GetEnabledStandards denied: the hub alone proves nothing about standards',
      objects: [identity(), hub()],
      gaps: [{ id: 'gap-standards', reason: 'access-denied', kinds: ['AwsSecurityHubStandards'], namespace: `${ACCOUNT}/${EU}`, message: 'missing IAM permission securityhub:GetEnabledStandards in eu-west-1' }],
      expect: [
        { ...scope(EU), status: 'error', messageId: 'standardsMissing' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'a list cut short by --max-items (NextToken on the only page): a missing standard cannot be concluded',
      objects: [identity(), hub(), standards([{ standard: NIST }], ACCOUNT, EU, 'standards.json', 'eyJOZXh0VG9rZW4iOiBudWxsfQ==')],
      expect: [
        { ...scope(EU), status: 'error', messageId: 'standardsMissing' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'READY standards on a truncated list are not accepted as a pass',
      objects: [identity(), hub(), standards([{ standard: PCI_V4 }], ACCOUNT, EU, '1', 'page-2')],
      expect: [
        { ...scope(EU), status: 'error', messageId: 'ready' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
});
