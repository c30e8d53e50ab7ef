import { X509Certificate } from 'node:crypto';
import type { ConfigMapInfo } from '../../inventory/types.ts';
import type { Check, CheckFinding, Severity } from '../types.ts';

// SHA-256 fingerprint of istio/istio samples/certs/root-cert.pem (CN=Root CA, O=Istio, OU=Test). Its
// private key is published next to it, so anyone can mint workload identities trusted by a mesh using it.
export const ISTIO_SAMPLE_ROOT_CA_SHA256 =
  '63:72:7A:17:85:CA:B4:7A:CE:C5:C2:4C:C0:66:9C:20:82:4E:8A:E1:AC:28:07:9A:4D:2F:8C:83:05:92:E7:B0';

const CONFIGMAP = 'istio-ca-root-cert';
const KEY = 'root-cert.pem';
const WARN_DAYS = 30;
const DAY_MS = 86_400_000;
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

interface Distinct {
  cert: X509Certificate;
  holders: ConfigMapInfo[];
}

export const istioCaCertValid: Check = {
  meta: {
    id: 'istio-ca-cert-valid',
    title: 'The Istio root CA certificates distributed to workloads are within their validity period and not the public sample CA',
    severity: 'high',
    area: 'istio',
    rationale:
      'Workloads trust the roots in the istio-ca-root-cert ConfigMap to authenticate every mTLS peer. An expired root breaks mTLS ' +
      '(or pushes operators to disable it); the Istio sample root CA has a published private key, so anyone can impersonate any workload.',
    remediation:
      'Rotate the mesh root CA before it expires (plug in a CA via the cacerts Secret or rotate the self-signed istio-ca-secret), ' +
      'never use samples/certs in a real cluster, and monitor root expiry at least 30 days ahead.',
    requires: ['ConfigMap'],
    proves: 'Every root certificate in the istio-ca-root-cert ConfigMaps parses, is currently valid and is not the Istio sample CA.',
    messages: {
      valid: 'Istio root CA "{{subject}}" is valid until {{notAfter}} ({{daysLeft}} days left); held by {{configMaps}}.',
      expired: 'Istio root CA "{{subject}}" is not acceptable: {{problems}}; held by {{configMaps}}.',
      notYetValid: 'Istio root CA "{{subject}}" is not acceptable: {{problems}}; held by {{configMaps}}.',
      sampleCa: 'Istio root CA "{{subject}}" is not acceptable: {{problems}}; held by {{configMaps}}.',
      noConfigMap:
        'Istio is present but no istio-ca-root-cert ConfigMap is in the evidence, so the mesh root CA cannot be judged.',
      noCertificate: 'ConfigMap {{namespace}}/{{name}}: {{detail}}.',
    },
  },
  evaluate({ target, now }) {
    const root = target.istio.rootNamespace;
    const configMaps = [...target.istio.caRootCertConfigMaps].sort(
      (a, b) => Number(b.namespace === root) - Number(a.namespace === root) || a.namespace.localeCompare(b.namespace),
    );
    if (configMaps.length === 0) {
      return [{ status: 'error', resource: { kind: 'ConfigMap', namespace: root, name: CONFIGMAP }, messageId: 'noConfigMap', data: {}, evidence: [] }];
    }

    const findings: CheckFinding[] = [];
    const distinct = new Map<string, Distinct>();
    for (const cm of configMaps) {
      const resource = { kind: 'ConfigMap', namespace: cm.namespace, name: cm.name };
      const noCert = (detail: string): void => {
        findings.push({ status: 'error', resource, messageId: 'noCertificate', data: { namespace: cm.namespace, name: cm.name, detail }, evidence: [cm.evidenceId] });
      };
      const pem = cm.data[KEY];
      if (pem === undefined || pem.trim() === '') {
        noCert(`key ${KEY} is missing or empty`);
        continue;
      }
      const blocks = pem.match(PEM_BLOCK) ?? [];
      const bad: number[] = [];
      let parsed = 0;
      blocks.forEach((block, i) => {
        let cert: X509Certificate;
        try {
          cert = new X509Certificate(block);
        } catch {
          bad.push(i + 1);
          return;
        }
        parsed++;
        const entry = distinct.get(cert.fingerprint256);
        if (entry) {
          if (!entry.holders.includes(cm)) entry.holders.push(cm);
        } else distinct.set(cert.fingerprint256, { cert, holders: [cm] });
      });
      if (parsed === 0) noCert(`${KEY} holds no parseable PEM certificate`);
      // An unreadable block in a rotation bundle could be the expired anchor; never let it pass silently.
      else if (bad.length > 0) noCert(`${KEY} certificate block(s) ${bad.join(', ')} of ${blocks.length} cannot be parsed`);
    }

    for (const [fingerprint, { cert, holders }] of distinct) {
      const first = holders[0];
      if (!first) continue;
      const resource = { kind: 'ConfigMap', namespace: first.namespace, name: first.name };
      const evidence = holders.map((h) => h.evidenceId);
      const notAfter = parseX509Time(cert.validTo);
      const notBefore = parseX509Time(cert.validFrom);
      const subject = cert.subject.split('\n').join(', ');
      const held = holders.length === 1 ? `${first.namespace}/${first.name}` : `${holders.length} ConfigMaps (${first.namespace}/${first.name}, …)`;
      if (notAfter === undefined || notBefore === undefined) {
        findings.push({
          status: 'error',
          resource,
          messageId: 'noCertificate',
          data: { namespace: first.namespace, name: first.name, detail: `certificate ${fingerprint} has unreadable validity dates (${cert.validFrom} – ${cert.validTo})` },
          evidence,
        });
        continue;
      }
      const daysLeft = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
      const data = {
        subject,
        fingerprint,
        notBefore: notBefore.toISOString(),
        notAfter: notAfter.toISOString(),
        daysLeft,
        configMaps: held,
        namespaces: holders.map((h) => h.namespace).join(', '),
      };

      const problems: { id: 'expired' | 'notYetValid' | 'sampleCa'; text: string; severity: Severity }[] = [];
      if (notAfter.getTime() < now.getTime()) problems.push({ id: 'expired', text: `expired on ${data.notAfter}`, severity: 'critical' });
      if (notBefore.getTime() > now.getTime()) problems.push({ id: 'notYetValid', text: `not valid before ${data.notBefore}`, severity: 'high' });
      if (fingerprint.toUpperCase() === ISTIO_SAMPLE_ROOT_CA_SHA256) {
        problems.push({ id: 'sampleCa', text: 'it is the public Istio sample root CA, whose private key is published', severity: 'critical' });
      }
      const top = problems[0];
      if (top) {
        findings.push({
          status: 'fail',
          resource,
          messageId: top.id,
          data: { ...data, problems: problems.map((p) => p.text).join('; ') },
          evidence,
          severity: problems.some((p) => p.severity === 'critical') ? 'critical' : top.severity,
        });
        continue;
      }
      const pass: CheckFinding = { status: 'pass', resource, messageId: 'valid', data, evidence };
      findings.push(
        notAfter.getTime() - now.getTime() < WARN_DAYS * DAY_MS ? { ...pass, warning: `The root CA expires on ${data.notAfter}, within ${WARN_DAYS} days; rotate it now` } : pass,
      );
    }
    return findings;
  },
};

// X509Certificate.validFrom/validTo look like "Dec 31 19:15:51 2117 GMT" (OpenSSL ASN1_TIME_print).
function parseX509Time(text: string): Date | undefined {
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4}) GMT$/.exec(text.trim());
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[1] ?? '');
  if (month < 0) return undefined;
  return new Date(Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])));
}
