import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSnapshot } from '../../sources/snapshot/read-snapshot.ts';
import { describeCheck, docs, runCase } from '../tester.ts';
import { linkerdAuthzNoUnauthenticated } from './linkerd-authz-no-unauthenticated.ts';

const UPSTREAM = new URL('../../../test/fixtures/upstream/linkerd/', import.meta.url);
const upstream = (name: string): unknown[] => docs(readFileSync(new URL(name, UPSTREAM), 'utf8'));

// The deliberately invalid upstream file goes through the real snapshot reader, as `--snapshot` would:
// the first two documents load, the third becomes a parse-error gap.
const dir = mkdtempSync(join(tmpdir(), 'auditpack-linkerd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
copyFileSync(new URL('ipfamilies-policy.yml', UPSTREAM), join(dir, 'ipfamilies-policy.yml'));
const ipfamilies = await readSnapshot(dir, { target: 'test-cluster' });

const server = (name: string, port: number | string, labels: Record<string, string> = {}): string => `
apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata:
  name: ${name}
  namespace: shop
  labels: ${JSON.stringify(labels)}
spec:
  podSelector:
    matchLabels: {app: api}
  port: ${typeof port === 'number' ? port : JSON.stringify(port)}
  proxyProtocol: HTTP/1
`;

const authzPolicy = (name: string, target: string, refs: string): string => `
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata:
  name: ${name}
  namespace: shop
spec:
  targetRef:
${target}
  requiredAuthenticationRefs:${refs}
`;

const TARGET_SERVER = '    group: policy.linkerd.io\n    kind: Server\n    name: api-http';
const networkAuthn = (name: string, cidrs: string[]): string => `
apiVersion: policy.linkerd.io/v1alpha1
kind: NetworkAuthentication
metadata:
  name: ${name}
  namespace: shop
spec:
  networks:
${cidrs.map((c) => `  - cidr: "${c}"`).join('\n')}
`;
const NA_REF = (name: string): string => `\n    - group: policy.linkerd.io\n      kind: NetworkAuthentication\n      name: ${name}`;
const MTLS_REF = (name: string): string => `\n    - group: policy.linkerd.io\n      kind: MeshTLSAuthentication\n      name: ${name}`;
const MESH_TLS = `
apiVersion: policy.linkerd.io/v1alpha1
kind: MeshTLSAuthentication
metadata:
  name: web-only
  namespace: shop
spec:
  identities:
    - web.shop.serviceaccount.identity.linkerd.cluster.local
`;

const httpRoute = (name: string, matches: string, group = 'policy.linkerd.io/v1beta3'): string => `
apiVersion: ${group}
kind: HTTPRoute
metadata:
  name: ${name}
  namespace: shop
spec:
  parentRefs:
    - name: api-http
      kind: Server
      group: policy.linkerd.io
  rules:
    - matches:
${matches}
`;

const policy = (name: string): { kind: string; namespace: string; name: string } => ({ kind: 'AuthorizationPolicy', namespace: 'shop', name });
const emojivoto = (name: string): { kind: string; namespace: string; name: string } => ({ kind: 'ServerAuthorization', namespace: 'emojivoto', name });

describeCheck(linkerdAuthzNoUnauthenticated, {
  pass: [
    {
      name: 'MeshTLSAuthentication naming one ServiceAccount identity',
      objects: docs([server('api-http', 8080), authzPolicy('web-to-api', TARGET_SERVER, MTLS_REF('web-only')), MESH_TLS].join('---')),
      expect: [{ ...policy('web-to-api'), status: 'pass', messageId: 'authenticated', warning: false }],
    },
    {
      name: 'a ServiceAccount reference is an identity requirement',
      objects: docs([server('api-http', 8080), authzPolicy('web-sa', TARGET_SERVER, '\n    - kind: ServiceAccount\n      name: web')].join('---')),
      expect: [{ ...policy('web-sa'), status: 'pass', messageId: 'authenticated' }],
    },
    {
      name: 'upstream booksapp per-route policy: identity on data routes, probe route open but only GET /ping (warning)',
      objects: upstream('booksapp-per-route-policy.yaml'),
      expect: [
        { kind: 'AuthorizationPolicy', namespace: 'booksapp', name: 'authors-get-policy', status: 'pass', messageId: 'authenticated' },
        { kind: 'AuthorizationPolicy', namespace: 'booksapp', name: 'authors-modify-policy', status: 'pass', messageId: 'authenticated' },
        { kind: 'AuthorizationPolicy', namespace: 'booksapp', name: 'authors-probe-policy', status: 'pass', messageId: 'probeOnly', warning: true },
      ],
    },
    {
      name: 'network-only authentication from the pod network passes with a warning',
      objects: docs([server('api-http', 8080), authzPolicy('from-pods', TARGET_SERVER, NA_REF('pods')), networkAuthn('pods', ['10.42.0.0/16'])].join('---')),
      expect: [{ ...policy('from-pods'), status: 'pass', messageId: 'networkLimited', warning: true }],
    },
    {
      name: 'trap: all NetworkAuthentications must match, so 0.0.0.0/0 AND 10.0.0.0/8 is limited to 10.0.0.0/8',
      objects: docs([server('api-http', 8080), authzPolicy('both', TARGET_SERVER, NA_REF('anywhere') + NA_REF('internal')), networkAuthn('anywhere', ['0.0.0.0/0', '::/0']), networkAuthn('internal', ['10.0.0.0/8'])].join('---')),
      expect: [{ ...policy('both'), status: 'pass', messageId: 'networkLimited' }],
    },
    {
      name: 'a Gateway API HTTPRoute attached to a Server, open only for HEAD /healthz',
      objects: docs([
        server('api-http', 8080),
        httpRoute('health', '        - method: HEAD\n          path: {type: Exact, value: /healthz}', 'gateway.networking.k8s.io/v1'),
        authzPolicy('health-open', '    group: gateway.networking.k8s.io\n    kind: HTTPRoute\n    name: health', NA_REF('anywhere')),
        networkAuthn('anywhere', ['0.0.0.0/0']),
      ].join('---')),
      expect: [{ ...policy('health-open'), status: 'pass', messageId: 'probeOnly', warning: true }],
    },
    {
      name: 'MeshTLSAuthentication with identities ["*"] admits any meshed client: pass with a warning',
      objects: docs([server('api-http', 8080), authzPolicy('any-meshed', TARGET_SERVER, MTLS_REF('anyone')), MESH_TLS.replace('web-only', 'anyone').replace(/- web\.shop\S+/, '- "*"')].join('---')),
      expect: [{ ...policy('any-meshed'), status: 'pass', messageId: 'authenticated', warning: true }],
    },
  ],
  fail: [
    {
      name: 'upstream emojivoto: web-public is open to the internet; internal-grpc needs identity; prom and admin are open metrics/admin ports (warning)',
      objects: upstream('emojivoto-policy.yml'),
      expect: [
        { ...emojivoto('web-public'), status: 'fail', messageId: 'openToAnyone' },
        { ...emojivoto('internal-grpc'), status: 'pass', messageId: 'authenticated' },
        { ...emojivoto('prom-prometheus'), status: 'pass', messageId: 'probeOnly', warning: true },
        { ...emojivoto('admin-everyone'), status: 'pass', messageId: 'probeOnly', warning: true },
      ],
    },
    {
      name: 'NetworkAuthentication 0.0.0.0/0 and ::/0 on a data Server',
      objects: docs([server('api-http', 8080), authzPolicy('open', TARGET_SERVER, NA_REF('anywhere')), networkAuthn('anywhere', ['0.0.0.0/0', '::/0'])].join('---')),
      expect: [{ ...policy('open'), status: 'fail', messageId: 'openToAnyone' }],
    },
    {
      name: 'trap: a "probe" route without a method matches every method, so it is not narrow',
      objects: docs([
        server('api-http', 8080),
        httpRoute('ping', '        - path: {value: /ping}'),
        authzPolicy('ping-open', '    group: policy.linkerd.io\n    kind: HTTPRoute\n    name: ping', NA_REF('anywhere')),
        networkAuthn('anywhere', ['0.0.0.0/0']),
      ].join('---')),
      expect: [{ ...policy('ping-open'), status: 'fail', messageId: 'openToAnyone' }],
    },
    {
      name: 'a Namespace-wide target open to any network',
      objects: docs([server('api-http', 8080), authzPolicy('ns-open', '    kind: Namespace\n    name: shop', NA_REF('anywhere')), networkAuthn('anywhere', ['::/0'])].join('---')),
      expect: [{ ...policy('ns-open'), status: 'fail', messageId: 'openToAnyone' }],
    },
    {
      name: 'no required authentication at all admits everyone',
      objects: docs([server('api-http', 8080), authzPolicy('no-authn', TARGET_SERVER, ' []')].join('---')),
      expect: [{ ...policy('no-authn'), status: 'fail', messageId: 'openToAnyone', warning: true }],
    },
    {
      name: 'ServerAuthorization with unauthenticatedTLS and no networks on a data Server',
      objects: docs(`${server('api-http', 8080)}---
apiVersion: policy.linkerd.io/v1beta1
kind: ServerAuthorization
metadata:
  name: ingress-tls
  namespace: shop
spec:
  server:
    name: api-http
  client:
    meshTLS:
      unauthenticatedTLS: true
`),
      expect: [{ kind: 'ServerAuthorization', namespace: 'shop', name: 'ingress-tls', status: 'fail', messageId: 'openToAnyone', warning: true }],
    },
    {
      name: 'dangling targetRef: the Server does not exist, Linkerd ignores the policy',
      objects: docs([authzPolicy('lost', TARGET_SERVER, MTLS_REF('web-only')), MESH_TLS].join('---')),
      expect: [{ ...policy('lost'), status: 'fail', messageId: 'dangling' }],
    },
    {
      name: 'dangling requiredAuthenticationRef: the MeshTLSAuthentication does not exist',
      objects: docs([server('api-http', 8080), authzPolicy('no-authn-obj', TARGET_SERVER, MTLS_REF('web-only'))].join('---')),
      expect: [{ ...policy('no-authn-obj'), status: 'fail', messageId: 'dangling' }],
    },
    {
      name: 'trap: a Server targetRef without group names the core group, which has no Server',
      objects: docs([server('api-http', 8080), authzPolicy('no-group', '    kind: Server\n    name: api-http', MTLS_REF('web-only')), MESH_TLS].join('---')),
      expect: [{ ...policy('no-group'), status: 'fail', messageId: 'dangling' }],
    },
    {
      name: 'ServerAuthorization whose server selector matches no Server',
      objects: docs(`${server('api-http', 8080)}---
apiVersion: policy.linkerd.io/v1beta1
kind: ServerAuthorization
metadata:
  name: nothing
  namespace: shop
spec:
  server:
    selector:
      matchLabels: {tier: backend}
  client:
    meshTLS:
      serviceAccounts: [{name: web}]
`),
      expect: [{ kind: 'ServerAuthorization', namespace: 'shop', name: 'nothing', status: 'fail', messageId: 'dangling' }],
    },
  ],
  error: [
    {
      name: 'upstream ipfamilies (invalid YAML): the NetworkAuthentication was lost to a parse error, so the reference is unknown',
      objects: ipfamilies.objects.map((o) => o.object),
      gaps: ipfamilies.gaps.map(({ target: _t, ...g }) => g),
      expect: [
        { kind: 'AuthorizationPolicy', namespace: 'default', name: 'ipfamilies', status: 'error', messageId: 'danglingUnknown' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'Servers could not be listed: a missing target is unknown, not dangling',
      objects: docs([authzPolicy('web-to-api', TARGET_SERVER, MTLS_REF('web-only')), MESH_TLS].join('---')),
      gaps: [{ id: 'gap-srv', reason: 'access-denied', kinds: ['Server'], namespace: 'shop', message: 'list servers.policy.linkerd.io in shop: 403 Forbidden' }],
      expect: [
        { ...policy('web-to-api'), status: 'error', messageId: 'danglingUnknown' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'an authenticated policy cannot pass while MeshTLSAuthentications in its namespace are incomplete',
      objects: docs([server('api-http', 8080), authzPolicy('web-to-api', TARGET_SERVER, MTLS_REF('web-only')), MESH_TLS].join('---')),
      gaps: [{ id: 'gap-mtls', reason: 'schema-invalid', kinds: ['MeshTLSAuthentication'], namespace: 'shop', message: 'MeshTLSAuthentication shop/other is invalid' }],
      expect: [
        { ...policy('web-to-api'), status: 'error', messageId: 'authenticated' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
});

describe('linkerd-authz-no-unauthenticated inputs', () => {
  it('the snapshot reader keeps the first two ipfamilies documents and reports the third as a parse error', () => {
    expect(ipfamilies.objects.map((o) => (o.object as { kind: string }).kind)).toEqual(['Server', 'AuthorizationPolicy']);
    expect(ipfamilies.gaps).toHaveLength(1);
    expect(ipfamilies.gaps[0]?.reason).toBe('parse-error');
  });

  it('ignores authorizations in out-of-scope namespaces (linkerd-viz ships its own)', () => {
    const objects = docs([server('api-http', 8080), authzPolicy('open', TARGET_SERVER, NA_REF('anywhere')), networkAuthn('anywhere', ['0.0.0.0/0'])].join('---').replaceAll('namespace: shop', 'namespace: linkerd-viz'));
    expect(runCase(linkerdAuthzNoUnauthenticated, { name: 'viz', objects, expect: [] })).toEqual([]);
  });
});
