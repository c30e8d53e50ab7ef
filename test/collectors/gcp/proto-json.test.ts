import { describe, expect, it } from 'vitest';
import { toRestJson } from '../../../src/collectors/gcp/proto-json.ts';

// Shapes as google-gax returns them: protobuf.js toObject with defaults, oneofs, enums and longs as strings.
describe('toRestJson', () => {
  it('keeps the oneof member that is set, even when false, and drops unset defaults', () => {
    const sdk = {
      name: 'projects/482619307715/policies/compute.requireOsLogin',
      spec: {
        rules: [{ condition: null, enforce: false, kind: 'enforce' }],
        etag: '',
        updateTime: null,
        inheritFromParent: false,
        reset: false,
      },
      alternate: null,
      dryRunSpec: null,
    };
    expect(toRestJson(sdk)).toEqual({ name: 'projects/482619307715/policies/compute.requireOsLogin', spec: { rules: [{ enforce: false }] } });
  });

  it('keeps a message that is set but empty (v1 `booleanPolicy: {}` stays distinguishable)', () => {
    expect(toRestJson({ constraint: 'constraints/compute.requireOsLogin', booleanPolicy: {}, listPolicy: null })).toEqual({ constraint: 'constraints/compute.requireOsLogin', booleanPolicy: {} });
    expect(toRestJson({ rules: [{ values: { allowedValues: [], deniedValues: [] }, kind: 'values' }] })).toEqual({ rules: [{ values: {} }] });
  });

  it('prints Timestamps as RFC 3339 with 0, 3, 6 or 9 fractional digits, bytes as base64, and drops *_UNSPECIFIED enums', () => {
    expect(toRestJson({ a: { seconds: '1711974896', nanos: 123456000 }, b: { seconds: '1711974896', nanos: 0 }, c: { seconds: '1711974896', nanos: 5 }, d: { seconds: '1711974896', nanos: 118000000 } })).toEqual({
      a: '2024-04-01T12:34:56.123456Z',
      b: '2024-04-01T12:34:56Z',
      c: '2024-04-01T12:34:56.000000005Z',
      d: '2024-04-01T12:34:56.118Z',
    });
    expect(toRestJson({ etag: Buffer.from('BwXdjsAMxlc=', 'base64'), empty: Buffer.alloc(0) })).toEqual({ etag: 'BwXdjsAMxlc=' });
    expect(toRestJson({ auditLogConfigs: [{ logType: 'DATA_READ', exemptedMembers: [] }, { logType: 'LOG_TYPE_UNSPECIFIED' }] })).toEqual({ auditLogConfigs: [{ logType: 'DATA_READ' }, {}] });
  });

  it('turns a google.protobuf.Struct `parameters` into plain JSON', () => {
    const parameters = {
      fields: {
        allowedDomains: { listValue: { values: [{ stringValue: 'acme.example', kind: 'stringValue' }] }, kind: 'listValue' },
        strict: { boolValue: true, kind: 'boolValue' },
        nested: { structValue: { fields: { n: { numberValue: 3, kind: 'numberValue' } } }, kind: 'structValue' },
        none: { nullValue: 'NULL_VALUE', kind: 'nullValue' },
      },
    };
    expect(toRestJson({ enforce: true, kind: 'enforce', parameters })).toEqual({ enforce: true, parameters: { allowedDomains: ['acme.example'], strict: true, nested: { n: 3 }, none: null } });
  });
});
