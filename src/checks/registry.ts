import type { Check } from './types.ts';
import { istioMtlsMeshStrict } from './istio/istio-mtls-mesh-strict.ts';
import { istioMtlsStrict } from './istio/istio-mtls-strict.ts';
import { istioDestinationruleTls } from './istio/istio-destinationrule-tls.ts';
import { istioAuthzDefaultDeny } from './istio/istio-authz-default-deny.ts';
import { istioAuthzNoAllowAll } from './istio/istio-authz-no-allow-all.ts';
import { istioAuthzIneffectivePolicy } from './istio/istio-authz-ineffective-policy.ts';
import { istioAuthzIdentityNeedsMtls } from './istio/istio-authz-identity-needs-mtls.ts';
import { istioRequestauthnEnforced } from './istio/istio-requestauthn-enforced.ts';
import { istioSidecarCoverage } from './istio/istio-sidecar-coverage.ts';
import { istioEgressRegistryOnly } from './istio/istio-egress-registry-only.ts';
import { istioGatewayTls } from './istio/istio-gateway-tls.ts';
import { istioCaCertValid } from './istio/istio-ca-cert-valid.ts';
import { linkerdProxyCoverage } from './linkerd/linkerd-proxy-coverage.ts';
import { linkerdDefaultDeny } from './linkerd/linkerd-default-deny.ts';
import { linkerdAuthzNoUnauthenticated } from './linkerd/linkerd-authz-no-unauthenticated.ts';
import { linkerdSkipPorts } from './linkerd/linkerd-skip-ports.ts';
import { linkerdTrustAnchorValid } from './linkerd/linkerd-trust-anchor-valid.ts';
import { linkerdIssuerCertValid } from './linkerd/linkerd-issuer-cert-valid.ts';
import { consulIntentionsDefaultDeny } from './consul/consul-intentions-default-deny.ts';
import { consulIntentionsNoWildcardAllow } from './consul/consul-intentions-no-wildcard-allow.ts';
import { consulMtlsStrict } from './consul/consul-mtls-strict.ts';
import { consulConnectCoverage } from './consul/consul-connect-coverage.ts';
import { consulEgressMeshOnly } from './consul/consul-egress-mesh-only.ts';
import { consulCaCertValid } from './consul/consul-ca-cert-valid.ts';
import { meshMtlsCoverage } from './mesh/mesh-mtls-coverage.ts';
import { k8sNetpolDefaultDenyIngress } from './kubernetes/k8s-netpol-default-deny-ingress.ts';
import { k8sNetpolDefaultDenyEgress } from './kubernetes/k8s-netpol-default-deny-egress.ts';
import { k8sNetpolNoAllowAll } from './kubernetes/k8s-netpol-no-allow-all.ts';
import { awsSecurityhubEnabled } from './aws/aws-securityhub-enabled.ts';
import { awsSecurityhubStandardsEnabled } from './aws/aws-securityhub-standards-enabled.ts';
import { awsSecurityhubFailedControls } from './aws/aws-securityhub-failed-controls.ts';
import { awsConfigRecorderOn } from './aws/aws-config-recorder-on.ts';
import { awsConfigRulesCompliant } from './aws/aws-config-rules-compliant.ts';
import { azureDefenderPlansEnabled } from './azure/azure-defender-plans-enabled.ts';
import { azureSecureScore } from './azure/azure-secure-score.ts';
import { azureRegulatoryCompliance } from './azure/azure-regulatory-compliance.ts';
import { gcpOrgpolicyConstraintsEnforced } from './gcp/gcp-orgpolicy-constraints-enforced.ts';
import { gcpIamNoPublicBindings } from './gcp/gcp-iam-no-public-bindings.ts';
import { gcpIamNoPrimitiveRoles } from './gcp/gcp-iam-no-primitive-roles.ts';

// Every check auditpack runs, in report order. A check id is public and never changes.
export const CHECKS: readonly Check[] = [
  istioMtlsMeshStrict,
  istioMtlsStrict,
  istioDestinationruleTls,
  istioAuthzDefaultDeny,
  istioAuthzNoAllowAll,
  istioAuthzIneffectivePolicy,
  istioAuthzIdentityNeedsMtls,
  istioRequestauthnEnforced,
  istioSidecarCoverage,
  istioEgressRegistryOnly,
  istioGatewayTls,
  istioCaCertValid,
  linkerdProxyCoverage,
  linkerdDefaultDeny,
  linkerdAuthzNoUnauthenticated,
  linkerdSkipPorts,
  linkerdTrustAnchorValid,
  linkerdIssuerCertValid,
  consulIntentionsDefaultDeny,
  consulIntentionsNoWildcardAllow,
  consulMtlsStrict,
  consulConnectCoverage,
  consulEgressMeshOnly,
  consulCaCertValid,
  meshMtlsCoverage,
  k8sNetpolDefaultDenyIngress,
  k8sNetpolDefaultDenyEgress,
  k8sNetpolNoAllowAll,
  awsSecurityhubEnabled,
  awsSecurityhubStandardsEnabled,
  awsSecurityhubFailedControls,
  awsConfigRecorderOn,
  awsConfigRulesCompliant,
  azureDefenderPlansEnabled,
  azureSecureScore,
  azureRegulatoryCompliance,
  gcpOrgpolicyConstraintsEnforced,
  gcpIamNoPublicBindings,
  gcpIamNoPrimitiveRoles,
];

export function checkById(id: string): Check | undefined {
  return CHECKS.find((c) => c.meta.id === id);
}
