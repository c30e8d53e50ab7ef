import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

export const P12_PASSPHRASE = 'test p12 passphrase';

export interface TestPki {
  dir: string;
  caCert: string;
  /** Leaf signed by the CA: digitalSignature, nonRepudiation, EKU emailProtection. OpenSSL 3 default p12 (PBES2/AES-256). */
  rsaP12: string;
  ecP12: string;
  /** The RSA leaf certificate (PEM) and its public key (SPKI PEM). */
  rsaCert: string;
  rsaPub: string;
  ecPub: string;
}

function openssl(args: readonly string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

// A throwaway CA and leaf certificates made with the real openssl, as NSS (pdfsig) needs them to
// trust a chain: a CA with basicConstraints CA:TRUE + keyCertSign, leaves for document signing.
export async function makeTestPki(dir: string): Promise<TestPki> {
  await writeFile(
    path.join(dir, 'ca.ext'),
    'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n',
  );
  await writeFile(
    path.join(dir, 'leaf.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=emailProtection\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
  );
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=Auditpack Test CA/O=Example Corp', '-extensions', 'v3_ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const leaf = (name: string, keyArgs: readonly string[]): string => {
    openssl(['genpkey', ...keyArgs, '-out', `${name}.key`], dir);
    openssl(['req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=Auditpack Report Signer ${name}/O=Example Corp/emailAddress=secops@example.com`], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-extfile', 'leaf.ext', '-days', '365'], dir);
    openssl(['pkcs12', '-export', '-inkey', `${name}.key`, '-in', `${name}.crt`, '-certfile', 'ca.crt', '-out', `${name}.p12`, '-passout', `pass:${P12_PASSPHRASE}`], dir);
    openssl(['pkey', '-in', `${name}.key`, '-pubout', '-out', `${name}.pub.pem`], dir);
    return path.join(dir, `${name}.p12`);
  };
  const rsaP12 = leaf('rsa', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']);
  const ecP12 = leaf('ec', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
  return {
    dir,
    caCert: path.join(dir, 'ca.crt'),
    rsaP12,
    ecP12,
    rsaCert: path.join(dir, 'rsa.crt'),
    rsaPub: path.join(dir, 'rsa.pub.pem'),
    ecPub: path.join(dir, 'ec.pub.pem'),
  };
}
