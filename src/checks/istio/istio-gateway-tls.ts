import type { GatewayServer, TlsProtocolVersion } from '../../inventory/istio/schema.ts';
import type { Check, CheckFinding } from '../types.ts';

// Istio parses these as HTTP servers: a `tls` block on them is ignored except httpsRedirect
// (pilot/pkg/model/gateway.go IsTLSServer / IsHTTPServer).
const HTTP_PROTOCOLS: ReadonlySet<string> = new Set(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB', 'HTTP_PROXY']);
const WEAK_VERSIONS: ReadonlySet<string> = new Set(['TLSV1_0', 'TLSV1_1']);
// Allowlist: ECDHE key exchange with an AEAD cipher (TLS 1.2), plus the TLS 1.3 suite names.
// Everything else (CBC "-SHA" suites, 3DES, non-ECDHE AES-GCM without forward secrecy) is weak.
const STRONG_CIPHER = /^(ECDHE-(ECDSA|RSA)-(AES128-GCM-SHA256|AES256-GCM-SHA384|CHACHA20-POLY1305)|TLS_AES_128_GCM_SHA256|TLS_AES_256_GCM_SHA384|TLS_CHACHA20_POLY1305_SHA256)$/;

const PASSTHROUGH_WARNING = 'TLS terminated by the backend; not verifiable from mesh config';
const OPTIONAL_MUTUAL_WARNING = 'OPTIONAL_MUTUAL accepts clients without a certificate; use MUTUAL where client authentication is required';
const REDIRECT_WARNING = 'Redirect-only HTTP listener: the first request (URL, headers, cookies) still travels in plaintext; send HSTS from the HTTPS server';

type Problem = 'noCertificate' | 'weakMinVersion' | 'weakMaxVersion' | 'weakCiphers' | 'weakMeshDefault';

export const istioGatewayTls: Check = {
  meta: {
    id: 'istio-gateway-tls',
    title: 'Istio Gateway listeners serve only TLS 1.2 or later with strong ciphers and a certificate, never plaintext',
    severity: 'high',
    area: 'istio',
    rationale:
      'Gateways are where traffic enters or leaves the mesh. A plaintext listener, TLS 1.0/1.1, CBC-mode or non-forward-secret ' +
      'cipher suites, or a terminating server without a certificate break transmission security (HIPAA 164.312(e)(1), PCI DSS 4.2.1).',
    remediation:
      'Serve HTTPS/TLS with tls.mode SIMPLE or MUTUAL and a credentialName; turn plaintext HTTP servers into redirects ' +
      '(tls.httpsRedirect: true) or remove them; leave minProtocolVersion unset (TLS 1.2) or set TLSV1_2/TLSV1_3; restrict ' +
      'cipherSuites to ECDHE with AES-GCM or CHACHA20-POLY1305.',
    requires: ['Gateway', 'MeshConfig'],
    proves: 'Every Istio Gateway server terminates (or passes through) TLS at version 1.2 or later with strong cipher suites and has no plaintext listener.',
    messages: {
      tlsTerminated: 'Gateway {{namespace}}/{{name}} server {{server}} (port {{port}}, {{protocol}}) terminates TLS ({{mode}}, minimum {{minVersion}}).',
      passthrough: 'Gateway {{namespace}}/{{name}} server {{server}} (port {{port}}, {{protocol}}) passes TLS through to the backend ({{mode}}).',
      httpsRedirect: 'Gateway {{namespace}}/{{name}} server {{server}} (port {{port}}, {{protocol}}) only redirects to HTTPS.',
      plaintextListener:
        'Gateway {{namespace}}/{{name}} server {{server}} (port {{port}}, {{protocol}}) accepts plaintext: {{detail}}.',
      noCertificate: 'Gateway {{namespace}}/{{name}} server {{server}} (port {{port}}) is insecure: {{problems}}.',
      weakMinVersion: 'Gateway {{namespace}}/{{name}} server {{server}} (port {{port}}) is insecure: {{problems}}.',
      weakMaxVersion: 'Gateway {{namespace}}/{{name}} server {{server}} (port {{port}}) is insecure: {{problems}}.',
      weakCiphers: 'Gateway {{namespace}}/{{name}} server {{server}} (port {{port}}) is insecure: {{problems}}.',
      weakMeshDefault: 'Gateway {{namespace}}/{{name}} server {{server}} (port {{port}}) is insecure: {{problems}}.',
    },
  },
  evaluate({ target }) {
    const mesh = target.istio.meshConfig;
    const findings: CheckFinding[] = [];
    for (const gw of target.istio.gateways) {
      const resource = { kind: 'Gateway', namespace: gw.namespace, name: gw.name };
      (gw.spec.servers ?? []).forEach((server, index) => {
        const protocol = server.port.protocol.toUpperCase();
        const base = {
          namespace: gw.namespace,
          name: gw.name,
          server: server.name ?? index,
          port: server.port.number,
          protocol,
        };
        const evidence = [gw.evidenceId];
        const tls = server.tls;

        if (HTTP_PROTOCOLS.has(protocol)) {
          if (tls?.httpsRedirect === true) {
            findings.push({ status: 'pass', resource, messageId: 'httpsRedirect', data: base, evidence, warning: REDIRECT_WARNING });
            return;
          }
          const detail = tls?.mode
            ? `protocol ${protocol} ignores its tls block (mode ${tls.mode}); only HTTPS and TLS servers terminate TLS`
            : `protocol ${protocol} without TLS and without httpsRedirect`;
          findings.push({ status: 'fail', resource, messageId: 'plaintextListener', data: { ...base, detail }, evidence });
          return;
        }
        if (!tls) {
          findings.push({
            status: 'fail',
            resource,
            messageId: 'plaintextListener',
            data: { ...base, detail: `protocol ${protocol} without a tls block` },
            evidence,
          });
          return;
        }
        // ServerTLSSettings.mode's zero value is PASSTHROUGH.
        const mode = tls.mode ?? 'PASSTHROUGH';
        if (mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') {
          findings.push({ status: 'pass', resource, messageId: 'passthrough', data: { ...base, mode }, evidence, warning: PASSTHROUGH_WARNING });
          return;
        }

        const problems: { id: Problem; text: string }[] = [];
        if (mode !== 'ISTIO_MUTUAL' && !hasCertificate(tls)) {
          problems.push({ id: 'noCertificate', text: `tls.mode ${mode} without credentialName, credentialNames or serverCertificate (no certificate configured)` });
        }
        const explicitMin = tls.minProtocolVersion && tls.minProtocolVersion !== 'TLS_AUTO' ? tls.minProtocolVersion : undefined;
        // Unset means the mesh default (tlsDefaults, or meshMTLS for ISTIO_MUTUAL), itself TLS 1.2 when unset.
        const meshMin = mode === 'ISTIO_MUTUAL' ? mesh?.config.meshMTLS?.minProtocolVersion : mesh?.config.tlsDefaults?.minProtocolVersion;
        const inheritedMin = meshMin && meshMin !== 'TLS_AUTO' ? meshMin : undefined;
        const minVersion: TlsProtocolVersion = explicitMin ?? inheritedMin ?? 'TLSV1_2';
        if (explicitMin && WEAK_VERSIONS.has(explicitMin)) {
          problems.push({ id: 'weakMinVersion', text: `minProtocolVersion ${explicitMin} allows TLS older than 1.2` });
        } else if (!explicitMin && inheritedMin && WEAK_VERSIONS.has(inheritedMin)) {
          // meshConfig's TLSConfig enum only has TLS_AUTO, TLSV1_2 and TLSV1_3, so istiod rejects this value.
          problems.push({ id: 'weakMeshDefault', text: `the mesh default minProtocolVersion ${inheritedMin} is weaker than TLS 1.2 and not a valid meshConfig value` });
        }
        if (inheritedMin && !explicitMin && mesh) evidence.push(mesh.evidenceId);
        if (tls.maxProtocolVersion && WEAK_VERSIONS.has(tls.maxProtocolVersion)) {
          problems.push({ id: 'weakMaxVersion', text: `maxProtocolVersion ${tls.maxProtocolVersion} caps TLS below 1.2` });
        }
        // cipherSuites apply to TLS 1.2 and below only; a TLS 1.3-only server never negotiates them.
        const weak = minVersion === 'TLSV1_3' ? [] : weakCiphers(tls.cipherSuites ?? []);
        if (weak.length > 0) problems.push({ id: 'weakCiphers', text: `weak cipher suites ${weak.join(', ')}` });

        const data = { ...base, mode, minVersion };
        const first = problems[0];
        if (first) {
          findings.push({
            status: 'fail',
            resource,
            messageId: first.id,
            data: { ...data, problems: problems.map((p) => p.text).join('; ') },
            evidence,
          });
          return;
        }
        const finding: CheckFinding = { status: 'pass', resource, messageId: 'tlsTerminated', data, evidence };
        findings.push(mode === 'OPTIONAL_MUTUAL' ? { ...finding, warning: OPTIONAL_MUTUAL_WARNING } : finding);
      });
    }
    return findings;
  },
};

function hasCertificate(tls: NonNullable<GatewayServer['tls']>): boolean {
  return Boolean(tls.credentialName) || (tls.credentialNames ?? []).some((n) => n !== '') || Boolean(tls.serverCertificate);
}

// Envoy accepts equal-preference groups such as "[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]".
function weakCiphers(suites: readonly string[]): string[] {
  const names = suites.flatMap((s) => s.replace(/[[\]]/g, '').split('|')).map((s) => s.trim()).filter((s) => s !== '');
  return [...new Set(names.filter((n) => !STRONG_CIPHER.test(n.toUpperCase())))];
}
