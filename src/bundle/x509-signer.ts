import { X509Certificate, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import forge from 'node-forge';
import { BundleError, errorMessage } from '../shared/errors.ts';
import { publicKeyFingerprint, publicKeyToPem, signingAlgorithmFor, type Signer, type SigningAlgorithm } from './signer.ts';

/** The only place the .p12 passphrase is read from: never a flag, so it stays out of shell history and `ps`. */
export const P12_PASSPHRASE_ENV = 'AUDITPACK_P12_PASSPHRASE';

// A signing identity from a PKCS#12 file: the private key (as a Node KeyObject) and its certificate,
// then any other certificates in the file (intermediates), all DER.
export interface X509Identity {
  privateKey: KeyObject;
  certificate: X509Certificate;
  chain: readonly X509Certificate[];
  algorithm: Exclude<SigningAlgorithm, 'ed25519'>;
}

// Signs manifest.json with the key of an X.509 certificate: RSASSA-PKCS1-v1_5 / SHA-256 for RSA
// keys, DER ECDSA / SHA-256 for P-256 keys. The same identity signs report.pdf (pdf-sign.ts).
export class X509Signer implements Signer {
  readonly algorithm: Exclude<SigningAlgorithm, 'ed25519'>;
  readonly publicKeyPem: string;
  readonly keyFingerprint: string;
  readonly ephemeral = false;
  readonly certificatePem: string;
  readonly identity: X509Identity;

  constructor(identity: X509Identity) {
    this.identity = identity;
    this.algorithm = identity.algorithm;
    const publicKey = createPublicKey(identity.privateKey);
    this.publicKeyPem = publicKeyToPem(publicKey);
    this.keyFingerprint = publicKeyFingerprint(publicKey);
    this.certificatePem = [identity.certificate, ...identity.chain].map((c) => c.toString()).join('');
  }

  sign(data: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      // RSA keys default to PKCS#1 v1.5 padding, EC keys to DER signatures: what openssl dgst expects.
      sign('sha256', data, this.identity.privateKey, (err, signature) => {
        if (err) {
          reject(new BundleError('SIGNING_FAILED', `${this.algorithm} signing failed: ${err.message}`, { cause: err }));
          return;
        }
        resolve(new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength));
      });
    });
  }
}

// Reads a PKCS#12 (.p12/.pfx) file and returns its signer. `now` is the run's clock: an expired or
// not-yet-valid certificate is refused, because a signature it makes would not be trusted by any reader.
export async function loadP12Signer(file: string, passphrase: string, now: Date = new Date()): Promise<X509Signer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new BundleError('KEY_NOT_FOUND', `PKCS#12 file not found: ${file}`, { cause: err });
    }
    throw new BundleError('KEY_INVALID', `cannot read PKCS#12 file ${file}: ${errorMessage(err)}`, { cause: err });
  }
  return new X509Signer(parseP12(bytes, passphrase, file, now));
}

export function parseP12(bytes: Uint8Array, passphrase: string, source: string, now: Date): X509Identity {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(bytes).toString('binary')));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, passphrase);
  } catch (err) {
    const message = errorMessage(err);
    if (/MAC could not be verified|wrong password|Invalid password/i.test(message)) {
      throw new BundleError('KEY_INVALID', `${source}: wrong passphrase for the PKCS#12 file (set it in ${P12_PASSPHRASE_ENV})`, { cause: err });
    }
    throw new BundleError('KEY_INVALID', `${source} is not a readable PKCS#12 (.p12/.pfx) file: ${message}`, { cause: err });
  }

  const keyBags = [forge.pki.oids.pkcs8ShroudedKeyBag, forge.pki.oids.keyBag].flatMap((type) => (type === undefined ? [] : (p12.getBags({ bagType: type })[type] ?? [])));
  const certOid = forge.pki.oids.certBag;
  const certBags = certOid === undefined ? [] : (p12.getBags({ bagType: certOid })[certOid] ?? []);
  if (keyBags.length !== 1) {
    throw new BundleError('KEY_INVALID', `${source} holds ${keyBags.length} private keys; it must hold exactly one, with its certificate`);
  }
  const keyBag = keyBags[0];
  let privateKey: KeyObject;
  try {
    // forge parses RSA keys only; other key types (EC) come back as the decrypted PrivateKeyInfo.
    const info = keyBag?.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(keyBag.key)) : keyBag?.asn1;
    if (info === undefined) throw new Error('the key bag is empty');
    privateKey = createPrivateKey({ key: Buffer.from(forge.asn1.toDer(info).getBytes(), 'binary'), format: 'der', type: 'pkcs8' });
  } catch (err) {
    throw new BundleError('KEY_INVALID', `${source}: cannot read the private key: ${errorMessage(err)}`, { cause: err });
  }
  const algorithm = signingAlgorithmFor(privateKey);
  if (algorithm === undefined || algorithm === 'ed25519') {
    const d = privateKey.asymmetricKeyDetails;
    const what = privateKey.asymmetricKeyType === 'rsa' ? `${d?.modulusLength ?? '?'}-bit RSA` : `${privateKey.asymmetricKeyType ?? 'unknown'}${d?.namedCurve ? ` ${d.namedCurve}` : ''}`;
    throw new BundleError('KEY_INVALID', `${source} holds a ${what} key; certificate signing needs RSA (2048 bits or more) or ECDSA P-256`);
  }

  const certs: X509Certificate[] = [];
  for (const bag of certBags) {
    const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
    try {
      certs.push(new X509Certificate(Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary')));
    } catch (err) {
      throw new BundleError('KEY_INVALID', `${source}: cannot read a certificate: ${errorMessage(err)}`, { cause: err });
    }
  }
  const certificate = certs.find((c) => c.checkPrivateKey(privateKey));
  if (certificate === undefined) {
    throw new BundleError('KEY_INVALID', `${source} has no certificate for its private key (${certs.length} other certificate(s))`);
  }
  const from = new Date(certificate.validFrom);
  const to = new Date(certificate.validTo);
  const subject = certificate.subject.replaceAll('\n', ', ');
  if (now.getTime() > to.getTime()) {
    throw new BundleError('KEY_INVALID', `${source}: the certificate "${subject}" expired on ${to.toISOString()}`);
  }
  if (now.getTime() < from.getTime()) {
    throw new BundleError('KEY_INVALID', `${source}: the certificate "${subject}" is not valid before ${from.toISOString()}`);
  }
  return { privateKey, certificate, chain: certs.filter((c) => c !== certificate), algorithm };
}
