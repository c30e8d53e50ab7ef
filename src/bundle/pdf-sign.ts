import { createHash, sign } from 'node:crypto';
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import { SignPdf, Signer as PdfSigner } from '@signpdf/signpdf';
import forge from 'node-forge';
import { PDFDocument } from 'pdf-lib';
import { BundleError, errorMessage } from '../shared/errors.ts';
import type { X509Identity } from './x509-signer.ts';

// Room for the CMS blob (certificate chain included); the placeholder holds twice as many hex digits.
export const PDF_SIGNATURE_LENGTH = 16384;

export interface PdfSignatureInfo {
  reason: string;
  name: string;
  location: string;
  contactInfo: string;
  signingTime: Date;
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  sha256: '2.16.840.1.101.3.4.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
} as const;

const { Class, Type } = forge.asn1;
const seq = (value: forge.asn1.Asn1[]): forge.asn1.Asn1 => forge.asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, value);
const set = (value: forge.asn1.Asn1[]): forge.asn1.Asn1 => forge.asn1.create(Class.UNIVERSAL, Type.SET, true, value);
const oid = (id: string): forge.asn1.Asn1 => forge.asn1.create(Class.UNIVERSAL, Type.OID, false, forge.asn1.oidToDer(id).getBytes());
const int = (n: number): forge.asn1.Asn1 => forge.asn1.create(Class.UNIVERSAL, Type.INTEGER, false, forge.asn1.integerToDer(n).getBytes());
const octets = (bytes: Uint8Array): forge.asn1.Asn1 => forge.asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, Buffer.from(bytes).toString('binary'));
const explicit0 = (value: forge.asn1.Asn1[]): forge.asn1.Asn1 => forge.asn1.create(Class.CONTEXT_SPECIFIC, 0, true, value);
const der = (node: forge.asn1.Asn1): Buffer => Buffer.from(forge.asn1.toDer(node).getBytes(), 'binary');
const fromDer = (bytes: Uint8Array): forge.asn1.Asn1 => forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(bytes).toString('binary')));

// DER orders a SET OF by the encodings of its elements; OpenSSL re-encodes the signed attributes
// that way before checking the signature, so an unsorted set would not verify.
function derSorted(nodes: forge.asn1.Asn1[]): forge.asn1.Asn1[] {
  return nodes.map((n) => ({ n, d: der(n) })).sort((a, b) => Buffer.compare(a.d, b.d)).map((x) => x.n);
}

function attribute(type: string, value: forge.asn1.Asn1): forge.asn1.Asn1 {
  return seq([oid(type), set([value])]);
}

// CMS SignedData (RFC 5652), detached, with signed attributes (content type, signing time, message
// digest) as adbe.pkcs7.detached needs. Built here rather than with forge.pkcs7 because forge signs
// with RSA only; the signature itself comes from node:crypto, so RSA and ECDSA P-256 keys both work.
export class CmsPdfSigner extends PdfSigner {
  readonly #identity: X509Identity;

  constructor(identity: X509Identity) {
    super();
    this.#identity = identity;
  }

  override async sign(pdfBuffer: Buffer, signingTime?: Date): Promise<Buffer> {
    const { privateKey, certificate, chain, algorithm } = this.#identity;
    const leaf = fromDer(certificate.raw);
    const tbs = leaf.value[0] as forge.asn1.Asn1;
    const tbsFields = tbs.value as forge.asn1.Asn1[];
    // tbsCertificate: [0] version (optional), serialNumber, signature, issuer, ...
    const offset = tbsFields[0]?.tagClass === Class.CONTEXT_SPECIFIC ? 1 : 0;
    const serial = tbsFields[offset];
    const issuer = tbsFields[offset + 2];
    if (serial === undefined || issuer === undefined) throw new BundleError('SIGNING_FAILED', 'the signing certificate has no issuer or serial number');

    const digest = createHash('sha256').update(pdfBuffer).digest();
    const attrs = derSorted([
      attribute(OID.contentType, oid(OID.data)),
      attribute(OID.signingTime, forge.asn1.create(Class.UNIVERSAL, Type.UTCTIME, false, forge.asn1.dateToUtcTime(signingTime ?? new Date()))),
      attribute(OID.messageDigest, octets(digest)),
    ]);
    // The signature covers the attributes encoded as a SET (tag 0x31), not as the [0] IMPLICIT field.
    const signature = sign('sha256', der(set(attrs)), privateKey);
    const sha256 = seq([oid(OID.sha256), forge.asn1.create(Class.UNIVERSAL, Type.NULL, false, '')]);
    const signatureAlgorithm =
      algorithm === 'rsa-pkcs1-sha256' ? seq([oid(OID.rsaEncryption), forge.asn1.create(Class.UNIVERSAL, Type.NULL, false, '')]) : seq([oid(OID.ecdsaWithSha256)]);

    const signerInfo = seq([
      int(1),
      seq([issuer, serial]),
      sha256,
      forge.asn1.create(Class.CONTEXT_SPECIFIC, 0, true, attrs),
      signatureAlgorithm,
      octets(signature),
    ]);
    const signedData = seq([
      int(1),
      set([sha256]),
      seq([oid(OID.data)]),
      forge.asn1.create(Class.CONTEXT_SPECIFIC, 0, true, [leaf, ...chain.map((c) => fromDer(c.raw))]),
      set([signerInfo]),
    ]);
    return der(seq([oid(OID.signedData), explicit0([signedData])]));
  }
}

// Embeds an adbe.pkcs7.detached signature by `identity` into a rendered PDF. The signature covers
// the whole file except the signature itself (/ByteRange); it is made before the bundle manifest is
// built, so manifest.json hashes the signed PDF.
export async function signPdf(pdf: Uint8Array, identity: X509Identity, info: PdfSignatureInfo): Promise<Uint8Array> {
  try {
    const doc = await PDFDocument.load(pdf);
    pdflibAddPlaceholder({
      pdfDoc: doc,
      reason: info.reason,
      contactInfo: info.contactInfo,
      name: info.name,
      location: info.location,
      signingTime: info.signingTime,
      signatureLength: PDF_SIGNATURE_LENGTH,
    });
    // @signpdf finds the placeholder by text, so it must not be hidden in a compressed object stream.
    const withPlaceholder = Buffer.from(await doc.save({ useObjectStreams: false }));
    const signed = await new SignPdf().sign(withPlaceholder, new CmsPdfSigner(identity), info.signingTime);
    return new Uint8Array(signed.buffer, signed.byteOffset, signed.byteLength);
  } catch (err) {
    if (err instanceof BundleError) throw err;
    throw new BundleError('SIGNING_FAILED', `cannot sign report.pdf: ${errorMessage(err)}`, { cause: err });
  }
}
