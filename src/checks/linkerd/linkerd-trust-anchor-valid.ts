import { TRUST_ROOTS_CONFIGMAP } from '../../inventory/linkerd/build.ts';
import { parsePemBundle, type ParsedCertificate } from '../../inventory/linkerd/certs.ts';
import type { ConfigMapInfo } from '../../inventory/types.ts';
import type { Check, CheckFinding, Severity } from '../types.ts';

const KEY = 'ca-bundle.crt';
// linkerd2 pkg/issuercerts: expirationWarningThresholdInDays.
const WARN_DAYS = 60;
const DAY_MS = 86_400_000;

export const linkerdTrustAnchorValid: Check = {
  meta: {
    id: 'linkerd-trust-anchor-valid',
    title: 'Every Linkerd trust anchor is within its validity period and uses a supported algorithm',
    severity: 'high',
    area: 'linkerd',
    rationale:
      'Every proxy validates peer certificates against the trust anchors in linkerd-identity-trust-roots. An expired anchor ' +
      'breaks mTLS across the mesh (and pushes operators to disable it); `linkerd check` treats an anchor outside its validity ' +
      'period as fatal and one expiring within 60 days as a warning.',
    remediation:
      'Rotate the trust anchor before it expires (bundle the new anchor with the old one, roll the issuer, then remove the old ' +
      'anchor: linkerd.io "Rotating your identity certificates"), use ECDSA P-256 or RSA keys, and monitor expiry 60 days ahead.',
    requires: ['ConfigMap'],
    proves: 'Every certificate in the linkerd-identity-trust-roots ca-bundle.crt parses, is currently valid and uses ECDSA P-256 or RSA.',
    messages: {
      valid: 'Linkerd trust anchor "{{subject}}" ({{algorithm}}) is valid until {{notAfter}} ({{daysLeft}} days left); held by {{configMaps}}.',
      invalid: 'Linkerd trust anchor "{{subject}}" is not acceptable: {{problems}}; held by {{configMaps}}.',
      noConfigMap:
        'Linkerd is present but no {{name}} ConfigMap is in the evidence, so the trust anchors cannot be judged.',
      noCertificate: 'ConfigMap {{namespace}}/{{name}}: {{detail}}.',
    },
  },
  evaluate({ target, now }) {
    const inv = target.linkerd;
    if (inv.trustRoots.length === 0) {
      return [
        {
          status: 'error',
          resource: { kind: 'ConfigMap', namespace: inv.controlPlaneNamespace, name: TRUST_ROOTS_CONFIGMAP },
          messageId: 'noConfigMap',
          data: { name: TRUST_ROOTS_CONFIGMAP },
          evidence: inv.config ? [inv.config.evidenceId] : [],
        },
      ];
    }
    const findings: CheckFinding[] = [];
    const distinct = new Map<string, { cert: ParsedCertificate; holders: ConfigMapInfo[] }>();
    for (const cm of inv.trustRoots) {
      const resource = { kind: 'ConfigMap', namespace: cm.namespace, name: cm.name };
      const noCert = (detail: string): void => {
        findings.push({ status: 'error', resource, messageId: 'noCertificate', data: { namespace: cm.namespace, name: cm.name, detail }, evidence: [cm.evidenceId] });
      };
      const pem = cm.data[KEY];
      if (pem === undefined || pem.trim() === '') {
        noCert(`key ${KEY} is missing or empty`);
        continue;
      }
      const bundle = parsePemBundle(pem);
      if (bundle.certificates.length === 0) noCert(`${KEY} holds no parseable PEM certificate`);
      // An unreadable block in a rotation bundle could be the expired anchor; never let it pass silently.
      else if (bundle.unparseable.length > 0) noCert(`${KEY} certificate block(s) ${bundle.unparseable.join(', ')} of ${bundle.blocks} cannot be parsed`);
      for (const cert of bundle.certificates) {
        const entry = distinct.get(cert.fingerprint);
        if (entry) {
          if (!entry.holders.includes(cm)) entry.holders.push(cm);
        } else distinct.set(cert.fingerprint, { cert, holders: [cm] });
      }
    }

    for (const { cert, holders } of distinct.values()) {
      const first = holders[0];
      if (!first) continue;
      const resource = { kind: 'ConfigMap', namespace: first.namespace, name: first.name };
      const evidence = holders.map((h) => h.evidenceId);
      const daysLeft = Math.floor((cert.notAfter.getTime() - now.getTime()) / DAY_MS);
      const data = {
        subject: cert.subject,
        fingerprint: cert.fingerprint,
        algorithm: cert.algorithm,
        notBefore: cert.notBefore.toISOString(),
        notAfter: cert.notAfter.toISOString(),
        daysLeft,
        configMaps: holders.map((h) => `${h.namespace}/${h.name}`).join(', '),
      };
      const problems: { text: string; severity: Severity }[] = [];
      if (cert.notAfter.getTime() < now.getTime()) problems.push({ text: `expired on ${data.notAfter}`, severity: 'critical' });
      if (cert.notBefore.getTime() > now.getTime()) problems.push({ text: `not valid before ${data.notBefore}`, severity: 'high' });
      // linkerd check: "trust anchors are using supported crypto algorithm" (ECDSA P-256 or RSA).
      if (!cert.ecdsaP256 && !cert.rsa) problems.push({ text: `uses ${cert.algorithm}; Linkerd supports ECDSA P-256 or RSA anchors`, severity: 'high' });
      if (problems.length > 0) {
        findings.push({
          status: 'fail',
          resource,
          messageId: 'invalid',
          data: { ...data, problems: problems.map((p) => p.text).join('; ') },
          evidence,
          severity: problems.some((p) => p.severity === 'critical') ? 'critical' : 'high',
        });
        continue;
      }
      const pass: CheckFinding = { status: 'pass', resource, messageId: 'valid', data, evidence };
      findings.push(
        cert.notAfter.getTime() - now.getTime() < WARN_DAYS * DAY_MS
          ? { ...pass, warning: `The trust anchor expires on ${data.notAfter}, within ${WARN_DAYS} days; rotate it now` }
          : pass,
      );
    }
    return findings;
  },
};
