import { X509Certificate } from 'node:crypto';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface ParsedCertificate {
  cert: X509Certificate;
  // 1-based position in the bundle.
  index: number;
  subject: string;
  fingerprint: string;
  notBefore: Date;
  notAfter: Date;
  // "ECDSA P-256", "RSA 2048", "ECDSA secp384r1", "ed25519", ...
  algorithm: string;
  ecdsaP256: boolean;
  rsa: boolean;
}

export interface PemBundle {
  certificates: ParsedCertificate[];
  // 1-based positions of blocks that could not be parsed (bad base64, bad DER, unreadable dates).
  unparseable: number[];
  blocks: number;
}

// Every certificate in a PEM bundle (rotation bundles hold several), parsed with node:crypto.
export function parsePemBundle(pem: string): PemBundle {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  const out: PemBundle = { certificates: [], unparseable: [], blocks: blocks.length };
  blocks.forEach((block, i) => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(block);
    } catch {
      out.unparseable.push(i + 1);
      return;
    }
    const notBefore = parseX509Time(cert.validFrom);
    const notAfter = parseX509Time(cert.validTo);
    if (!notBefore || !notAfter) {
      out.unparseable.push(i + 1);
      return;
    }
    const key = cert.publicKey;
    const type = key.asymmetricKeyType ?? 'unknown';
    const details = key.asymmetricKeyDetails ?? {};
    const curve = details.namedCurve;
    const ecdsaP256 = type === 'ec' && (curve === 'prime256v1' || curve === 'P-256' || curve === 'secp256r1');
    const rsa = type === 'rsa';
    const algorithm = type === 'ec' ? (ecdsaP256 ? 'ECDSA P-256' : `ECDSA ${curve ?? 'unknown curve'}`) : rsa ? `RSA ${details.modulusLength ?? '?'}` : type;
    out.certificates.push({
      cert,
      index: i + 1,
      subject: cert.subject.split('\n').join(', '),
      fingerprint: cert.fingerprint256,
      notBefore,
      notAfter,
      algorithm,
      ecdsaP256,
      rsa,
    });
  });
  return out;
}

// X509Certificate.validFrom/validTo look like "Aug 26 07:12:47 2030 GMT" (OpenSSL ASN1_TIME_print).
export function parseX509Time(text: string): Date | undefined {
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4}) GMT$/.exec(text.trim());
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[1] ?? '');
  if (month < 0) return undefined;
  return new Date(Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])));
}

// Whether `cert` was issued and signed by `issuer` (name chaining plus signature).
export function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}
