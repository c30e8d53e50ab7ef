import { expect, it } from 'vitest';
import { describeCheck, runCase } from '../tester.ts';
import { OTHER_SUB, SUB, azCliItem, failedCall, fixtures, page, pricing, secureScore } from '../../../test/collectors/azure/azure-objects.ts';
import { SECURE_SCORE_THRESHOLD_PERCENT, azureSecureScore } from './azure-secure-score.ts';

const KIND = 'AzureSecureScores';
const S = { kind: 'Microsoft.Security/secureScores', namespace: SUB, name: 'ascScore' } as const;
const SUBJECT = { kind: 'Subscription', name: SUB } as const;
const GAP_RESULT = { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' } as const;
const scores = (...items: unknown[]): unknown => page(KIND, { value: items });

describeCheck(azureSecureScore, {
  pass: [
    {
      name: 'ascScore 0.75 (75%), in the shape of the ListSecureScores fixture',
      objects: [scores(secureScore(29.25, 39, 0.75))],
      expect: [{ ...S, status: 'pass', messageId: 'atOrAbove' }],
    },
    {
      name: 'exactly at the threshold: percentage 0.7',
      objects: [scores(secureScore(27.3, 39, 0.7))],
      expect: [{ ...S, status: 'pass', messageId: 'atOrAbove' }],
    },
    {
      name: 'az CLI printing: current/max/percentage flattened into the item, as a bare array',
      objects: [page(KIND, { items: [azCliItem(secureScore(31.2, 39, 0.8))] })],
      expect: [{ ...S, status: 'pass', messageId: 'atOrAbove' }],
    },
    {
      name: 'no percentage field: the fraction is computed from current and max points',
      objects: [scores(secureScore(35, 40, undefined))],
      expect: [{ ...S, status: 'pass', messageId: 'atOrAbove' }],
    },
  ],
  fail: [
    {
      name: 'ListSecureScores fixture: percentage 0.6033 is 60%, below 70%',
      objects: [page(KIND, fixtures.secureScores())],
      expect: [{ ...S, status: 'fail', messageId: 'below' }],
    },
    {
      name: 'just below the threshold (0.6999) fails',
      objects: [scores(secureScore(27.3, 39, 0.6999))],
      expect: [{ ...S, status: 'fail', messageId: 'below' }],
    },
  ],
  error: [
    {
      name: 'a percentage outside 0..1 (60.33 stored as a percent) cannot be read as a score',
      objects: [scores(secureScore(23.53, 39, 60.33))],
      expect: [{ ...S, status: 'error', messageId: 'invalid' }],
    },
    {
      name: 'max 0: nothing scored yet',
      objects: [scores(secureScore(0, 0, 0))],
      expect: [{ ...S, status: 'error', messageId: 'invalid' }],
    },
    {
      name: 'a percentage that contradicts the points',
      objects: [scores(secureScore(10, 39, 0.9))],
      expect: [{ ...S, status: 'error', messageId: 'invalid' }],
    },
    {
      name: 'no overall ascScore in the list',
      objects: [scores(secureScore(30, 39, 0.7692, SUB, 'customInitiative'))],
      expect: [{ ...SUBJECT, status: 'error', messageId: 'overallMissing' }],
    },
    {
      name: 'secure scores denied: the recorded call is an error, and the gap is reported',
      objects: [
        page('AzureDefenderPricings', { value: [pricing('VirtualMachines', 'Standard')] }),
        failedCall(KIND, { call: `GET /subscriptions/${SUB}/providers/Microsoft.Security/secureScores?api-version=2020-01-01`, status: 403, code: 'AuthorizationFailed', message: 'denied' }),
      ],
      gaps: [{ id: 'gap-scores', reason: 'access-denied', kinds: [KIND], namespace: SUB, message: 'secure scores denied' }],
      expect: [{ ...SUBJECT, status: 'error', messageId: 'listFailed' }, GAP_RESULT],
    },
    {
      name: 'a subscription with pricings but no secure score evidence',
      objects: [page('AzureDefenderPricings', { value: [pricing('VirtualMachines', 'Standard')] })],
      expect: [{ ...SUBJECT, status: 'error', messageId: 'listMissing' }],
    },
    {
      name: 'a gap on secure scores turns a pass into an error',
      objects: [scores(secureScore(35, 39, 0.8974))],
      gaps: [{ id: 'gap-scores', reason: 'api-error', kinds: [KIND], message: 'secure scores page 2 failed' }],
      expect: [{ ...S, status: 'error', messageId: 'atOrAbove' }, GAP_RESULT],
    },
    {
      name: 'an ascScore whose id names another subscription is not this subscription’s score',
      objects: [scores(secureScore(35, 39, 0.8974, OTHER_SUB))],
      expect: [{ ...S, status: 'error', messageId: 'foreign' }],
    },
  ],
});

it('azure-secure-score: prints the 0..1 fraction as a whole percent, never 0.6%', () => {
  const [r] = runCase(azureSecureScore, { name: 'fixture', objects: [page(KIND, fixtures.secureScores())], expect: [] });
  expect(r?.message).toBe(`Secure score of subscription ${SUB} is 60% (23.53 of 39 points), below the ${SECURE_SCORE_THRESHOLD_PERCENT}% threshold.`);
  expect(r?.message).not.toMatch(/0\.6\d*%/);
  expect(r?.data).toMatchObject({ percent: 60, exactPercent: 60.33, threshold: 70 });
});

it('azure-secure-score: a score just under the threshold never prints as the threshold', () => {
  const [r] = runCase(azureSecureScore, { name: 'edge', objects: [scores(secureScore(27.3, 39, 0.6999))], expect: [] });
  expect(r?.message).toContain('is 69% (');
});
