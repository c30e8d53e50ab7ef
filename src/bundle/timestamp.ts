import { createHash, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { BundleError, errorMessage } from '../shared/errors.ts';

// RFC 3161 trusted timestamps over manifest.sig: a time-stamping authority signs (sha256 of the
// signature, its own clock), so the bundle proves when it was signed, not only by whom. Requests and
// responses are DER built and parsed with pkijs/asn1js; nothing here parses ASN.1 by hand.

const SHA256_OID = '2.16.840.1.101.3.4.2.1';
const TIME_STAMPING_EKU = '1.3.6.1.5.5.7.3.8';
const EXTENDED_KEY_USAGE_OID = '2.5.29.37';
const TIMEOUT_MS = 30_000;
const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface TimestampInfo {
  /** The TSA's time (TSTInfo genTime), ISO 8601. */
  time: string;
  /** The TSA certificate's subject, e.g. "CN=Example TSA, O=Example". */
  tsa: string;
  serial: string;
  policy: string;
  /** True when the TSA certificate was checked up to the CA the caller trusts (`--tsa-ca`). */
  chainChecked: boolean;
}

// URL without user:password (they never leave the process): for logs, messages and VERIFY.md.
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

export function buildTimestampRequest(signature: Uint8Array, nonce: Uint8Array): Uint8Array {
  const req = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: SHA256_OID, algorithmParams: new asn1js.Null() }),
      hashedMessage: new asn1js.OctetString({ valueHex: sha256(signature) }),
    }),
    nonce: new asn1js.Integer({ valueHex: nonce }),
    // The TSA includes its certificate, so the token can be checked with the CA certificate alone.
    certReq: true,
  });
  return new Uint8Array(req.toSchema().toBER(false));
}

// Asks the TSA for a token over sha256(signature) and returns its DER TimeStampResp, after checking
// it answers this request (imprint, nonce) and is signed by the certificate it carries.
export async function requestTimestamp(url: string, signature: Uint8Array, fetchImpl: typeof fetch = fetch): Promise<Uint8Array> {
  const shown = displayUrl(url);
  const nonce = randomBytes(8);
  nonce[0] = (nonce[0] ?? 0) & 0x7f; // a positive INTEGER needs no sign byte
  const parsed = new URL(url);
  const headers: Record<string, string> = { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' };
  if (parsed.username !== '' || parsed.password !== '') {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`;
    parsed.username = '';
    parsed.password = '';
  }
  let body: Uint8Array;
  try {
    const res = await fetchImpl(parsed, { method: 'POST', headers, body: buildTimestampRequest(signature, nonce), signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    body = new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    throw new BundleError('SIGNING_FAILED', `time-stamping authority ${shown} did not answer: ${errorMessage(err)}`, { cause: err });
  }
  if (body.byteLength > MAX_RESPONSE_BYTES) throw new BundleError('SIGNING_FAILED', `time-stamping authority ${shown} sent ${body.byteLength} bytes, more than a timestamp`);
  let token: ParsedToken;
  try {
    token = parseResponse(body, shown);
    checkImprint(token.tstInfo, signature, shown);
  } catch (err) {
    throw new BundleError('SIGNING_FAILED', `time-stamping authority answer refused: ${errorMessage(err)}`, { cause: err });
  }
  const got = token.tstInfo.nonce?.toBigInt();
  if (got !== BigInt(`0x${nonce.toString('hex')}`)) throw new BundleError('SIGNING_FAILED', `time-stamping authority ${shown} answered with another nonce (a replayed or foreign token)`);
  if (!(await verifyToken(token, signature, undefined, shown)).signatureVerified) {
    throw new BundleError('SIGNING_FAILED', `time-stamping authority ${shown} sent a token whose signature does not verify with the certificate it carries`);
  }
  return body;
}

interface ParsedToken {
  signedData: pkijs.SignedData;
  tstInfo: pkijs.TSTInfo;
}

function parseResponse(der: Uint8Array, source: string): ParsedToken {
  let resp: pkijs.TimeStampResp;
  try {
    resp = pkijs.TimeStampResp.fromBER(der);
  } catch (err) {
    throw new BundleError('SIGNATURE_INVALID', `${source}: not an RFC 3161 time-stamp response: ${errorMessage(err)}`, { cause: err });
  }
  const status = resp.status.status;
  if (status !== pkijs.PKIStatus.granted && status !== pkijs.PKIStatus.grantedWithMods) {
    const text = resp.status.statusStrings?.map((s) => s.valueBlock.value).join('; ');
    throw new BundleError('SIGNATURE_INVALID', `${source}: the time-stamping authority refused (status ${status}${text ? `: ${text}` : ''})`);
  }
  if (resp.timeStampToken === undefined) throw new BundleError('SIGNATURE_INVALID', `${source}: the response holds no timestamp token`);
  try {
    const signedData = new pkijs.SignedData({ schema: resp.timeStampToken.content });
    const content = signedData.encapContentInfo.eContent;
    if (content === undefined) throw new Error('the token has no TSTInfo');
    const tstInfo = pkijs.TSTInfo.fromBER(content.getValue());
    return { signedData, tstInfo };
  } catch (err) {
    throw new BundleError('SIGNATURE_INVALID', `${source}: unreadable timestamp token: ${errorMessage(err)}`, { cause: err });
  }
}

function checkImprint(tstInfo: pkijs.TSTInfo, signature: Uint8Array, source: string): void {
  const imprint = tstInfo.messageImprint;
  if (imprint.hashAlgorithm.algorithmId !== SHA256_OID) {
    throw new BundleError('SIGNATURE_INVALID', `${source}: the token hashes with ${imprint.hashAlgorithm.algorithmId}, not SHA-256`);
  }
  if (!Buffer.from(imprint.hashedMessage.getValue()).equals(sha256(signature))) {
    throw new BundleError('SIGNATURE_INVALID', `${source}: the token's message imprint is not the sha256 of manifest.sig (the signature changed, or the token is for something else)`);
  }
}

interface TokenCheck {
  signatureVerified: boolean;
  chainVerified: boolean;
  signer?: pkijs.Certificate;
  message?: string;
}

// `data` is what was timestamped (manifest.sig): pkijs hashes it against the TSTInfo imprint too.
async function verifyToken(token: ParsedToken, data: Uint8Array, trustedCa: pkijs.Certificate | undefined, source: string): Promise<TokenCheck> {
  try {
    const result = await token.signedData.verify({
      signer: 0,
      data: new Uint8Array(data).buffer,
      extendedMode: true,
      checkChain: trustedCa !== undefined,
      trustedCerts: trustedCa ? [trustedCa] : [],
      checkDate: token.tstInfo.genTime,
    });
    return { signatureVerified: result.signatureVerified === true, chainVerified: result.signerCertificateVerified === true, ...(result.signerCertificate ? { signer: result.signerCertificate } : {}) };
  } catch (err) {
    // pkijs rejects with its verify result object (carrying a message) rather than an Error.
    const e = err as { message?: string; signatureVerified?: boolean | null; signerCertificate?: pkijs.Certificate | null };
    return {
      signatureVerified: e.signatureVerified === true,
      chainVerified: false,
      ...(e.signerCertificate ? { signer: e.signerCertificate } : {}),
      message: `${source}: ${e.message ?? errorMessage(err)}`,
    };
  }
}

export function parseCaCertificate(pem: string, source: string): pkijs.Certificate {
  const match = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  if (!match?.[1]) throw new BundleError('KEY_INVALID', `${source} is not a PEM certificate`);
  try {
    return pkijs.Certificate.fromBER(Buffer.from(match[1].replace(/\s+/g, ''), 'base64'));
  } catch (err) {
    throw new BundleError('KEY_INVALID', `${source} is not a readable X.509 certificate: ${errorMessage(err)}`, { cause: err });
  }
}

// Checks a stored response against manifest.sig: imprint, the token's signature, the TSA
// certificate's critical timeStamping EKU and, with a trusted CA, the chain up to it at genTime.
// Returns the token's facts, or throws BundleError SIGNATURE_INVALID naming what failed.
export async function verifyTimestamp(response: Uint8Array, signature: Uint8Array, trustedCaPem?: string, source = 'manifest.tsr'): Promise<TimestampInfo> {
  const ca = trustedCaPem === undefined ? undefined : parseCaCertificate(trustedCaPem, 'the TSA CA certificate');
  const token = parseResponse(response, source);
  checkImprint(token.tstInfo, signature, source);
  const check = await verifyToken(token, signature, ca, source);
  if (!check.signatureVerified) throw new BundleError('SIGNATURE_INVALID', check.message ?? `${source}: the token's signature does not verify`);
  const cert = check.signer;
  if (cert === undefined) throw new BundleError('SIGNATURE_INVALID', `${source}: the token does not carry the TSA certificate`);
  const eku = cert.extensions?.find((e) => e.extnID === EXTENDED_KEY_USAGE_OID);
  const purposes = (eku?.parsedValue as pkijs.ExtKeyUsage | undefined)?.keyPurposes ?? [];
  if (eku?.critical !== true || purposes.length !== 1 || purposes[0] !== TIME_STAMPING_EKU) {
    throw new BundleError('SIGNATURE_INVALID', `${source}: the signing certificate is not a TSA certificate (RFC 3161 needs a critical extendedKeyUsage of timeStamping only)`);
  }
  if (ca !== undefined && !check.chainVerified) {
    throw new BundleError('SIGNATURE_INVALID', check.message ?? `${source}: the TSA certificate does not chain to the given CA`);
  }
  return {
    time: token.tstInfo.genTime.toISOString(),
    tsa: cert.subject.typesAndValues.map((t) => `${shortName(t.type)}=${String(t.value.valueBlock.value)}`).join(', '),
    serial: Buffer.from(token.tstInfo.serialNumber.valueBlock.valueHexView).toString('hex'),
    policy: token.tstInfo.policy,
    chainChecked: ca !== undefined,
  };
}

const NAMES: Readonly<Record<string, string>> = { '2.5.4.3': 'CN', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST' };
function shortName(oid: string): string {
  return NAMES[oid] ?? oid;
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}
