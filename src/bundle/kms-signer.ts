import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { BundleError, errorMessage } from '../shared/errors.ts';
import { publicKeyFingerprint, publicKeyToPem, signingAlgorithmFor, type Signer } from './signer.ts';

export interface KmsSignerOptions {
  /** Key id, key ARN, alias name ("alias/…") or alias ARN of an ECC_NIST_P256 SIGN_VERIFY key. */
  keyId: string;
  /** Default: the region in a key ARN, then the SDK's chain (AWS_REGION, profile). */
  region?: string;
  /** Endpoint override (VPC endpoints; test servers). The SDK also honours AWS_ENDPOINT_URL_KMS. */
  endpoint?: string;
  /** A ready client (tests inject credentials and retry settings); region/endpoint are then ignored. */
  client?: KMSClient;
}

// The region inside arn:aws:kms:REGION:ACCOUNT:key/… or …:alias/…, so a full ARN needs no other setting.
export function regionFromKmsArn(keyId: string): string | undefined {
  return /^arn:aws[\w-]*:kms:([a-z0-9-]+):\d{12}:/.exec(keyId)?.[1];
}

// Signs manifest.json with an AWS KMS asymmetric key that never leaves KMS: the sha256 of the
// manifest goes out (MessageType DIGEST, so a manifest of any size fits the 4 KiB message limit)
// and a DER ECDSA P-256 signature comes back, the format `openssl dgst -sha256 -verify` takes.
export class KmsSigner implements Signer {
  readonly algorithm = 'ecdsa-p256-sha256' as const;
  readonly ephemeral = false;
  readonly publicKeyPem: string;
  readonly keyFingerprint: string;
  /** The key ARN KMS reported, for messages and the run log. */
  readonly keyArn: string;
  readonly #client: KMSClient;

  private constructor(client: KMSClient, keyArn: string, publicKey: KeyObject) {
    this.#client = client;
    this.keyArn = keyArn;
    this.publicKeyPem = publicKeyToPem(publicKey);
    this.keyFingerprint = publicKeyFingerprint(publicKey);
  }

  // Fetches and checks the public key (GetPublicKey), so a wrong key fails before any work is done.
  static async create(opts: KmsSignerOptions): Promise<KmsSigner> {
    const region = opts.region ?? regionFromKmsArn(opts.keyId);
    const client =
      opts.client ??
      new KMSClient({ ...(region === undefined ? {} : { region }), ...(opts.endpoint === undefined ? {} : { endpoint: opts.endpoint }) });
    let out;
    try {
      out = await client.send(new GetPublicKeyCommand({ KeyId: opts.keyId }));
    } catch (err) {
      throw kmsError(err, opts.keyId, 'GetPublicKey');
    }
    if (out.KeyUsage !== undefined && out.KeyUsage !== 'SIGN_VERIFY') {
      throw new BundleError('KEY_INVALID', `KMS key ${opts.keyId} has KeyUsage ${out.KeyUsage}; auditpack needs a SIGN_VERIFY key`);
    }
    if (out.KeySpec !== undefined && out.KeySpec !== 'ECC_NIST_P256') {
      throw new BundleError('KEY_INVALID', `KMS key ${opts.keyId} is ${out.KeySpec}; auditpack signs with ECC_NIST_P256 keys (ECDSA_SHA_256)`);
    }
    if (out.SigningAlgorithms !== undefined && !out.SigningAlgorithms.includes('ECDSA_SHA_256')) {
      throw new BundleError('KEY_INVALID', `KMS key ${opts.keyId} does not allow ECDSA_SHA_256 (it allows ${out.SigningAlgorithms.join(', ')})`);
    }
    if (out.PublicKey === undefined) throw new BundleError('SIGNING_FAILED', `KMS returned no public key for ${opts.keyId}`);
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' });
    } catch (err) {
      throw new BundleError('SIGNING_FAILED', `KMS returned an unreadable public key for ${opts.keyId}: ${errorMessage(err)}`, { cause: err });
    }
    if (signingAlgorithmFor(publicKey) !== 'ecdsa-p256-sha256') {
      throw new BundleError('KEY_INVALID', `KMS key ${opts.keyId} is not an ECDSA P-256 key`);
    }
    return new KmsSigner(client, out.KeyId ?? opts.keyId, publicKey);
  }

  async sign(data: Uint8Array): Promise<Uint8Array> {
    const digest = createHash('sha256').update(data).digest();
    let out;
    try {
      out = await this.#client.send(new SignCommand({ KeyId: this.keyArn, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }));
    } catch (err) {
      throw kmsError(err, this.keyArn, 'Sign');
    }
    if (out.Signature === undefined || out.Signature.byteLength === 0) {
      throw new BundleError('SIGNING_FAILED', `KMS Sign returned no signature for ${this.keyArn}`);
    }
    return out.Signature;
  }
}

// KMS exceptions carry their type in `name`; map the ones a user can act on to typed errors.
function kmsError(err: unknown, keyId: string, call: string): BundleError {
  const name = err instanceof Error ? err.name : '';
  const detail = errorMessage(err);
  switch (name) {
    case 'NotFoundException':
      return new BundleError('KEY_NOT_FOUND', `KMS key not found: ${keyId} (${call}: ${detail})`, { cause: err });
    case 'AccessDeniedException':
      return new BundleError('KEY_ACCESS_DENIED', `access to KMS key ${keyId} denied: the caller needs kms:GetPublicKey and kms:Sign on it (${call}: ${detail})`, { cause: err });
    case 'DisabledException':
    case 'KMSInvalidStateException':
    case 'InvalidKeyUsageException':
    case 'UnsupportedOperationException':
      return new BundleError('KEY_INVALID', `KMS key ${keyId} cannot sign: ${name}: ${detail}`, { cause: err });
    case 'CredentialsProviderError':
      return new BundleError('SIGNING_FAILED', `no AWS credentials to call KMS for ${keyId}: ${detail}`, { cause: err });
    default:
      return new BundleError('SIGNING_FAILED', `KMS ${call} failed for ${keyId}: ${name ? `${name}: ` : ''}${detail}`, { cause: err });
  }
}
