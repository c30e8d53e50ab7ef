import { ISSUER_NAME, LINKERD_CONFIG_KIND } from '../../inventory/linkerd/build.ts';
import { parsePemBundle, signedBy, type ParsedCertificate } from '../../inventory/linkerd/certs.ts';
import type { Check, CheckFinding, Severity } from '../types.ts';

// linkerd2 pkg/issuercerts: expirationWarningThresholdInDays.
const WARN_DAYS = 60;
const DAY_MS = 86_400_000;

export const linkerdIssuerCertValid: Check = {
  meta: {
    id: 'linkerd-issuer-cert-valid',
    title: 'The Linkerd identity issuer certificate is valid, ECDSA P-256 and issued by a trust anchor',
    severity: 'high',
    area: 'linkerd',
    rationale:
      'The identity issuer signs every proxy certificate. When it expires, proxies cannot renew their identity and mTLS fails ' +
      'mesh-wide within a day; Linkerd requires it to be ECDSA P-256 and chained to a trust anchor. It lives in the Secret ' +
      'linkerd-identity-issuer, which auditpack never reads, so only a public copy can be judged automatically.',
    remediation:
      'Rotate the issuer before it expires (`linkerd upgrade --identity-issuer-certificate-file ...` or cert-manager with ' +
      'renewBefore), keep it ECDSA P-256 and signed by a current trust anchor, and monitor expiry 60 days ahead. Where no public ' +
      'copy exists, attest it with `linkerd check` output or the openssl command in the finding.',
    requires: ['ConfigMap', LINKERD_CONFIG_KIND],
    proves: 'A public copy of the Linkerd issuer certificate is currently valid, ECDSA P-256 and signed by a trust anchor in evidence.',
    messages: {
      valid: 'Linkerd issuer "{{subject}}" ({{algorithm}}, from {{source}}) is valid until {{notAfter}} ({{daysLeft}} days left){{chain}}.',
      invalid: 'Linkerd issuer "{{subject}}" (from {{source}}) is not acceptable: {{problems}}.',
      unparseable: 'The Linkerd issuer certificate in {{source}} cannot be parsed: {{detail}}.',
      issuerInSecret:
        'The Linkerd identity issuer certificate lives in Secret {{namespace}}/{{name}} (key {{key}}), which auditpack never reads, ' +
        'and no public copy is in the evidence: attest its validity, ECDSA P-256 key and trust-anchor chain manually ' +
        '(`linkerd check`, or {{command}}).',
    },
  },
  evaluate({ target, now }) {
    const inv = target.linkerd;
    const source = inv.issuerCertificate;
    if (!source) {
      const scheme = inv.config?.values.identity?.issuer?.scheme ?? 'linkerd.io/tls';
      const key = scheme === 'kubernetes.io/tls' ? 'tls.crt' : 'crt.pem';
      const ns = inv.controlPlaneNamespace;
      const command = `kubectl -n ${ns} get secret ${ISSUER_NAME} -o jsonpath='{.data.${key.replace('.', '\\.')}}' | base64 -d | openssl x509 -noout -subject -dates -text`;
      // Never a pass: the fact exists only in a Secret, which auditpack does not read by design.
      return [
        {
          status: 'error',
          resource: { kind: 'Secret', namespace: ns, name: ISSUER_NAME },
          messageId: 'issuerInSecret',
          data: { namespace: ns, name: ISSUER_NAME, key, command },
          evidence: [...(inv.config ? [inv.config.evidenceId] : []), ...inv.trustRoots.map((t) => t.evidenceId)],
        },
      ];
    }

    const resource = source.ref;
    const evidence = [source.evidenceId];
    const bundle = parsePemBundle(source.pem);
    const issuer = bundle.certificates[0];
    if (!issuer || bundle.unparseable.includes(1)) {
      const detail = bundle.blocks === 0 ? 'no PEM certificate block' : `certificate block(s) ${bundle.unparseable.join(', ')} of ${bundle.blocks} are unreadable`;
      return [{ status: 'error', resource, messageId: 'unparseable', data: { source: source.location, detail }, evidence }];
    }

    const warnings: string[] = [];
    if (source.installTimeCopy) {
      warnings.push(
        'judged from the install-time copy in linkerd-config; if the issuer Secret was rotated without `linkerd upgrade`, the running issuer differs (confirm with `linkerd check`)',
      );
    }
    const anchors: ParsedCertificate[] = [];
    for (const cm of inv.trustRoots) {
      const pem = cm.data['ca-bundle.crt'];
      if (pem) anchors.push(...parsePemBundle(pem).certificates);
      evidence.push(cm.evidenceId);
    }
    const anchor = anchors.find((a) => signedBy(issuer.cert, a.cert));

    const daysLeft = Math.floor((issuer.notAfter.getTime() - now.getTime()) / DAY_MS);
    const data = {
      subject: issuer.subject,
      algorithm: issuer.algorithm,
      source: source.location,
      fingerprint: issuer.fingerprint,
      notBefore: issuer.notBefore.toISOString(),
      notAfter: issuer.notAfter.toISOString(),
      daysLeft,
      chain: anchor ? `, issued by trust anchor "${anchor.subject}"` : '',
    };
    const problems: { text: string; severity: Severity }[] = [];
    if (issuer.notAfter.getTime() < now.getTime()) problems.push({ text: `expired on ${data.notAfter}`, severity: 'critical' });
    if (issuer.notBefore.getTime() > now.getTime()) problems.push({ text: `not valid before ${data.notBefore}`, severity: 'high' });
    if (!issuer.ecdsaP256) problems.push({ text: `uses ${issuer.algorithm}; Linkerd requires an ECDSA P-256 issuer`, severity: 'high' });
    if (anchors.length > 0 && !anchor) {
      problems.push({ text: 'it is not signed by any trust anchor in linkerd-identity-trust-roots, so proxies reject the identities it issues', severity: 'critical' });
    }
    if (anchors.length === 0) warnings.push('no trust anchor is in the evidence, so the issuer chain could not be verified');

    let finding: CheckFinding;
    if (problems.length > 0) {
      finding = {
        status: 'fail',
        resource,
        messageId: 'invalid',
        data: { ...data, problems: problems.map((p) => p.text).join('; ') },
        evidence,
        severity: problems.some((p) => p.severity === 'critical') ? 'critical' : 'high',
      };
    } else {
      if (issuer.notAfter.getTime() - now.getTime() < WARN_DAYS * DAY_MS) {
        warnings.unshift(`The issuer certificate expires on ${data.notAfter}, within ${WARN_DAYS} days; rotate it now`);
      }
      finding = { status: 'pass', resource, messageId: 'valid', data, evidence };
    }
    return [warnings.length > 0 ? { ...finding, warning: warnings.join('; ') } : finding];
  },
};
