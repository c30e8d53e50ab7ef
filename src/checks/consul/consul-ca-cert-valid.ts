import { X509Certificate } from 'node:crypto';
import { CONSUL_API_KINDS } from '../../inventory/consul/schema.ts';
import type { ConsulCARoot } from '../../inventory/consul/types.ts';
import type { Check, CheckFinding } from '../types.ts';

const WARN_DAYS = 30;
const DAY_MS = 86_400_000;
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

interface Parsed {
  label: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
}

// X509Certificate.validFrom/validTo look like "May 22 21:39:23 2028 GMT" (OpenSSL ASN1_TIME_print).
function parseX509Time(text: string): Date | undefined {
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4}) GMT$/.exec(text.trim());
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[1] ?? '');
  if (month < 0) return undefined;
  return new Date(Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])));
}

// Every certificate of a root entry (RootCert may hold several PEM blocks, plus IntermediateCerts);
// the API's NotBefore/NotAfter fields are never trusted.
function parseRoot(root: ConsulCARoot): { certs: Parsed[]; problems: string[] } {
  const certs: Parsed[] = [];
  const problems: string[] = [];
  const inputs = [
    ...(root.rootCert.match(PEM_BLOCK) ?? []).map((pem, i, all) => ({ label: all.length > 1 ? `RootCert block ${i + 1}` : 'RootCert', pem })),
    ...root.intermediateCerts.flatMap((text, i) => (text.match(PEM_BLOCK) ?? [text]).map((pem) => ({ label: `IntermediateCerts[${i}]`, pem }))),
  ];
  if (!(root.rootCert.match(PEM_BLOCK) ?? []).length) problems.push('RootCert holds no PEM certificate');
  for (const { label, pem } of inputs) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(pem);
    } catch {
      problems.push(`${label} cannot be parsed`);
      continue;
    }
    const notBefore = parseX509Time(cert.validFrom);
    const notAfter = parseX509Time(cert.validTo);
    if (!notBefore || !notAfter) {
      problems.push(`${label} has unreadable validity dates (${cert.validFrom} – ${cert.validTo})`);
      continue;
    }
    certs.push({ label, subject: cert.subject.split('\n').join(', '), notBefore, notAfter });
  }
  return { certs, problems };
}

export const consulCaCertValid: Check = {
  meta: {
    id: 'consul-ca-cert-valid',
    title: 'Every Consul Connect CA root certificate is within its validity period',
    severity: 'high',
    area: 'consul',
    rationale:
      'Consul service proxies authenticate each other with leaf certificates chained to the Connect CA roots. An expired or not yet ' +
      'valid root (or intermediate) breaks mTLS across the mesh, or pushes operators to weaken it; rotation must happen before expiry.',
    remediation:
      'Rotate the Connect CA (PUT /v1/connect/ca/configuration with a new root, or let the built-in CA rotate) well before expiry, ' +
      'prune expired roots, and monitor root expiry at least 30 days ahead.',
    requires: ['ConsulCARoots'],
    proves: 'Every root listed by GET /v1/connect/ca/roots, and its intermediates, parses as X.509 and is currently valid, judged from the certificates themselves.',
    messages: {
      valid: 'Consul CA root {{root}} ({{state}}, "{{subject}}") is valid until {{notAfter}} ({{daysLeft}} days left).',
      expired: 'Consul CA root {{root}} ({{state}}) is not acceptable: {{problems}}.',
      notYetValid: 'Consul CA root {{root}} ({{state}}) is not acceptable: {{problems}}.',
      unparseable: 'Consul CA root {{root}} ({{state}}) cannot be judged: {{problems}}.',
      rootsMissing: 'Consul is present but GET /v1/connect/ca/roots is not in the evidence, so the Connect CA roots cannot be judged.',
      noRoots: 'GET /v1/connect/ca/roots lists no roots (ActiveRootID "{{active}}"), so the Connect CA cannot be judged.',
    },
  },
  evaluate({ target, now }) {
    const consul = target.consul;
    const ca = consul.caRoots;
    const listRef = { kind: 'ConsulCARoots', name: CONSUL_API_KINDS.ConsulCARoots };
    if (!ca) return [{ status: 'error', resource: listRef, messageId: 'rootsMissing', data: {}, evidence: consul.presenceEvidence.slice(0, 10) }];
    if (ca.roots.length === 0) return [{ status: 'error', resource: listRef, messageId: 'noRoots', data: { active: ca.activeRootId ?? '' }, evidence: [ca.evidenceId] }];

    const nameCount = new Map<string, number>();
    for (const r of ca.roots) nameCount.set(r.name, (nameCount.get(r.name) ?? 0) + 1);
    return ca.roots.map((root): CheckFinding => {
      const label = (nameCount.get(root.name) ?? 0) > 1 ? `${root.name} (${root.id})` : root.name;
      const resource = { kind: 'ConsulCARoot', name: label };
      const state = root.active ? 'active' : 'inactive';
      const evidence = [ca.evidenceId];
      const { certs, problems } = parseRoot(root);
      if (problems.length > 0 || certs.length === 0) {
        return { status: 'error', resource, messageId: 'unparseable', data: { root: label, id: root.id, state, problems: problems.join('; ') || 'no certificate' }, evidence };
      }
      const t = now.getTime();
      const expired = certs.filter((c) => c.notAfter.getTime() < t);
      const early = certs.filter((c) => c.notBefore.getTime() > t);
      const first = certs[0];
      const soonest = certs.reduce((a, b) => (b.notAfter < a.notAfter ? b : a));
      const data = {
        root: label,
        id: root.id,
        state,
        subject: first?.subject ?? '',
        notAfter: soonest.notAfter.toISOString(),
        daysLeft: Math.floor((soonest.notAfter.getTime() - t) / DAY_MS),
      };
      if (expired.length > 0 || early.length > 0) {
        const text = [
          ...expired.map((c) => `${c.label} "${c.subject}" expired on ${c.notAfter.toISOString()}`),
          ...early.map((c) => `${c.label} "${c.subject}" is not valid before ${c.notBefore.toISOString()}`),
        ].join('; ');
        // An expired active root breaks every new leaf; an old root kept for rotation matters less.
        const severity = expired.length > 0 ? (root.active ? 'critical' : 'high') : 'high';
        return { status: 'fail', resource, messageId: expired.length > 0 ? 'expired' : 'notYetValid', data: { ...data, problems: text }, evidence, severity };
      }
      const pass: CheckFinding = { status: 'pass', resource, messageId: 'valid', data, evidence };
      return soonest.notAfter.getTime() - t < WARN_DAYS * DAY_MS
        ? { ...pass, warning: `${soonest.label} expires on ${data.notAfter}, within ${WARN_DAYS} days; rotate the Connect CA now` }
        : pass;
    });
  },
};
