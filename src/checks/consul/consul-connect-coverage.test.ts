import { describeCheck } from '../tester.ts';
import { appDeployment, appPod, namespace } from '../../../test/collectors/consul/consul-objects.ts';
import { consulConnectCoverage } from './consul-connect-coverage.ts';

const API = { kind: 'Deployment', namespace: 'payments', name: 'api' } as const;
const INJECT = { 'consul.hashicorp.com/connect-inject': 'true' };

// The consul-k8s control plane: out of scope for coverage, but it shows Consul is installed.
const CONTROL_PLANE: unknown[] = [
  namespace('consul'),
  {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'consul-server', namespace: 'consul' },
    spec: {
      selector: { matchLabels: { app: 'consul', component: 'server' } },
      template: {
        metadata: { labels: { app: 'consul', component: 'server' } },
        spec: { containers: [{ name: 'consul', image: 'hashicorp/consul:1.21.4', ports: [{ containerPort: 8501, name: 'https' }] }] },
      },
    },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'consul-connect-injector', namespace: 'consul' },
    spec: {
      selector: { matchLabels: { app: 'consul', component: 'connect-injector' } },
      template: {
        metadata: { labels: { app: 'consul', component: 'connect-injector' }, annotations: { 'consul.hashicorp.com/connect-inject': 'false' } },
        spec: { containers: [{ name: 'sidecar-injector', image: 'hashicorp/consul-k8s-control-plane:1.7.2' }] },
      },
    },
  },
];

describeCheck(consulConnectCoverage, {
  pass: [
    {
      name: 'running pods carry consul-dataplane and transparent-proxy redirection (observed)',
      objects: [...CONTROL_PLANE, namespace('payments'), appDeployment('payments', 'api', INJECT), appPod('payments', 'api', 'q8x2m'), appPod('payments', 'api', 'z4k7n')],
      expect: [{ ...API, status: 'pass', messageId: 'meshed' }],
    },
    {
      name: 'consul-dataplane as a native sidecar (init container with restartPolicy Always)',
      objects: [...CONTROL_PLANE, namespace('payments'), appDeployment('payments', 'api', INJECT), appPod('payments', 'api', 'q8x2m', { native: true })],
      expect: [{ ...API, status: 'pass', messageId: 'meshed' }],
    },
    {
      name: 'pod template annotated connect-inject "true" (Go ParseBool accepts "T"), no running pods (predicted)',
      objects: [...CONTROL_PLANE, namespace('payments'), appDeployment('payments', 'api', { 'consul.hashicorp.com/connect-inject': 'T' })],
      expect: [{ ...API, status: 'pass', messageId: 'meshed' }],
    },
  ],
  fail: [
    {
      name: 'a running pod without consul-dataplane (observed), in a mixed rollout',
      objects: [
        ...CONTROL_PLANE,
        namespace('payments'),
        appDeployment('payments', 'api', INJECT),
        appPod('payments', 'api', 'q8x2m'),
        appPod('payments', 'api', 'old01', { injected: false }),
      ],
      expect: [{ ...API, status: 'fail', messageId: 'podsMissingDataplane' }],
    },
    {
      name: 'no connect-inject annotation and no pods: injection depends on a Helm default not in evidence',
      objects: [...CONTROL_PLANE, namespace('payments'), appDeployment('payments', 'api')],
      expect: [{ ...API, status: 'fail', messageId: 'notInjected' }],
    },
    {
      name: 'connect-inject "false" opts the workload out',
      objects: [...CONTROL_PLANE, namespace('payments'), appDeployment('payments', 'api', { 'consul.hashicorp.com/connect-inject': 'false' })],
      expect: [{ ...API, status: 'fail', messageId: 'notInjected' }],
    },
    {
      name: 'injected with transparent-proxy "false": no redirection, the app port is reachable directly',
      objects: [...CONTROL_PLANE, namespace('payments'), appDeployment('payments', 'api', INJECT), appPod('payments', 'api', 'q8x2m', { tproxy: false })],
      expect: [{ ...API, status: 'fail', messageId: 'tproxyDisabled' }],
    },
    {
      name: 'namespace label transparent-proxy=false disables redirection for annotated pods (predicted)',
      objects: [...CONTROL_PLANE, namespace('payments', { 'consul.hashicorp.com/transparent-proxy': 'false' }), appDeployment('payments', 'api', INJECT)],
      expect: [{ ...API, status: 'fail', messageId: 'tproxyDisabled' }],
    },
    {
      name: 'transparent-proxy exclusions: inbound/outbound ports and CIDRs bypass the proxy',
      objects: [
        ...CONTROL_PLANE,
        namespace('payments'),
        appDeployment('payments', 'api', INJECT),
        appPod('payments', 'api', 'q8x2m', {
          annotations: {
            'consul.hashicorp.com/transparent-proxy-exclude-inbound-ports': '9090, 8081',
            'consul.hashicorp.com/transparent-proxy-exclude-outbound-cidrs': '10.0.0.0/8',
          },
        }),
      ],
      expect: [{ ...API, status: 'fail', messageId: 'trafficExcluded', port: '8081,9090' }],
    },
  ],
  error: [
    {
      name: 'pods in payments could not be listed: a meshed pass is not accepted',
      objects: [...CONTROL_PLANE, namespace('payments'), appDeployment('payments', 'api', INJECT), appPod('payments', 'api', 'q8x2m')],
      gaps: [{ id: 'gap-pods', reason: 'access-denied', kinds: ['Pod'], namespace: 'payments', message: 'pods is forbidden in namespace payments' }],
      expect: [
        { ...API, status: 'error', messageId: 'meshed' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
});
