import { createPublicKey, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OrgPolicyClient } from '@google-cloud/org-policy';
import { FoldersClient, OrganizationsClient, ProjectsClient } from '@google-cloud/resource-manager';
import type { GcpClients } from '../../../src/collectors/gcp/collect.ts';

// A local server on 127.0.0.1 that speaks the REST (fallback) paths of Org Policy v2 and Resource
// Manager v3, for the real client libraries with `fallback: true` (sdk-recipes.md §4 Recipe A):
//   GET  /v2/projects/{p}/policies/{c}:getEffectivePolicy
//   GET  /v2/projects/{p}/policies[?pageToken=…]
//   POST /v3/projects/{p}:getIamPolicy   body {options: {requestedPolicyVersion}}
//   GET  /v3/projects/{p}                  (projects.get: the parent)
//   GET  /v3/folders/{f}                   (folders.get)
//   POST /v3/folders/{f}:getIamPolicy      body {options: {requestedPolicyVersion}}
//   POST /v3/organizations/{o}:getIamPolicy
// (the http rules of google/cloud/resourcemanager/v3 in @google-cloud/resource-manager's protos.json).
// Routes are installed per test (world.ts); a 403 for any one resource is a route answering restError.
// The clients authenticate with a self-signed JWT minted from a throwaway RSA key; nothing leaves the host.

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
  authorization: string | undefined;
}

export interface FakeResponse {
  status: number;
  // JSON-encoded unless a string.
  body?: unknown;
  contentType?: string;
  // Never answer (the client's deadline must end the call).
  hang?: boolean;
}

export type Route = (req: FakeRequest, hit: number) => FakeResponse;

export function json(body: unknown, status = 200): FakeResponse {
  return { status, body };
}

export function restError(status: number, grpcStatus: string, message: string): FakeResponse {
  return { status, body: { error: { code: status, message, status: grpcStatus } } };
}

// A service-account key the fake trusts: with trustKey, every request must carry a self-signed JWT
// (what google-auth-library mints from a key file) signed by it, or it is refused with 401.
export interface TrustedKey {
  clientEmail: string;
  keyId: string;
  publicKeyPem: string;
}

export interface JwtClaims {
  kid: string | undefined;
  iss: unknown;
  sub: unknown;
  scope: unknown;
  aud: unknown;
}

function base64url(part: string): Buffer {
  return Buffer.from(part, 'base64url');
}

// Checks an RS256 self-signed JWT against the trusted key; returns the claims, or why it is refused.
function checkJwt(authorization: string | undefined, key: TrustedKey): JwtClaims | string {
  const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  const [h, p, sig] = token?.split('.') ?? [];
  if (!h || !p || !sig) return 'no bearer JWT';
  let header: { alg?: unknown; kid?: unknown };
  let payload: Record<string, unknown>;
  try {
    header = JSON.parse(base64url(h).toString('utf8')) as { alg?: unknown; kid?: unknown };
    payload = JSON.parse(base64url(p).toString('utf8')) as Record<string, unknown>;
  } catch {
    return 'the JWT is not JSON';
  }
  if (header.alg !== 'RS256') return `alg ${String(header.alg)} is not RS256`;
  if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey(key.publicKeyPem), base64url(sig))) return 'bad JWT signature';
  if (header.kid !== key.keyId) return `kid ${String(header.kid)} is not ${key.keyId}`;
  if (payload.iss !== key.clientEmail || payload.sub !== key.clientEmail) return `iss/sub ${String(payload.iss)} is not ${key.clientEmail}`;
  if (typeof payload.exp !== 'number' || payload.exp * 1000 < Date.now()) return 'the JWT has expired';
  return { kid: header.kid, iss: payload.iss, sub: payload.sub, scope: payload.scope, aud: payload.aud };
}

export class FakeGcp {
  private server: Server | undefined;
  port = 0;
  readonly requests: FakeRequest[] = [];
  readonly hits = new Map<string, number>();
  routes = new Map<string, Route>();
  private trusted: TrustedKey | undefined;
  // Claims of every JWT accepted under trustKey.
  readonly jwts: JwtClaims[] = [];

  trustKey(key: TrustedKey): void {
    this.trusted = key;
  }

  // Route key: 'GET /v2/projects/p/policies' (query excluded).
  on(key: string, route: Route): void {
    this.routes.set(key, route);
  }

  reset(): void {
    this.routes = new Map();
    this.requests.length = 0;
    this.hits.clear();
  }

  hitsOf(key: string): number {
    return this.hits.get(key) ?? 0;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const path = decodeURIComponent(url.pathname);
      const request: FakeRequest = { method: req.method ?? 'GET', path, query: url.searchParams, body: Buffer.concat(chunks).toString('utf8'), authorization: req.headers.authorization };
      this.requests.push(request);
      const key = `${request.method} ${path}`;
      const hit = (this.hits.get(key) ?? 0) + 1;
      this.hits.set(key, hit);
      const route = this.routes.get(key);
      const jwt = this.trusted ? checkJwt(request.authorization, this.trusted) : undefined;
      if (typeof jwt === 'object') this.jwts.push(jwt);
      const out =
        typeof jwt === 'string'
          ? restError(401, 'UNAUTHENTICATED', `Request had invalid authentication credentials (${jwt}). Expected OAuth 2 access token, login cookie or other valid authentication credential.`)
          : route
            ? route(request, hit)
            : restError(404, 'NOT_FOUND', 'Requested entity was not found.');
      if (out.hang) return;
      const text = typeof out.body === 'string' ? out.body : JSON.stringify(out.body ?? {});
      res.writeHead(out.status, { 'Content-Type': out.contentType ?? 'application/json; charset=UTF-8' });
      res.end(text);
    });
  }
}

const KEY = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;

// The real clients, pointed at the fake server over plain HTTP.
export function clientsFor(port: number): GcpClients {
  const opts = {
    fallback: true,
    apiEndpoint: '127.0.0.1',
    port,
    protocol: 'http',
    credentials: { client_email: 'auditpack@acme-audit.iam.gserviceaccount.com', private_key: KEY },
  } as const;
  return { orgPolicy: new OrgPolicyClient(opts), projects: new ProjectsClient(opts), folders: new FoldersClient(opts), organizations: new OrganizationsClient(opts) };
}

export async function closeClients(clients: GcpClients): Promise<void> {
  await clients.orgPolicy.close();
  await clients.projects.close();
  await clients.folders.close();
  await clients.organizations.close();
}

// A service-account key file as the IAM console downloads it (GOOGLE_APPLICATION_CREDENTIALS), with
// a fresh RSA key; token_uri points at the fake, so nothing could ever leave the host.
export function writeServiceAccountKey(dir: string, projectId: string, port: number): { file: string; key: TrustedKey } {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const key: TrustedKey = { clientEmail: `auditpack@${projectId}.iam.gserviceaccount.com`, keyId: randomBytes(20).toString('hex'), publicKeyPem: pair.publicKey };
  const file = join(dir, 'gcp-service-account.json');
  const body = {
    type: 'service_account',
    project_id: projectId,
    private_key_id: key.keyId,
    private_key: pair.privateKey,
    client_email: key.clientEmail,
    client_id: '109876543210987654321',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: `http://127.0.0.1:${port}/token`,
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(key.clientEmail)}`,
    universe_domain: 'googleapis.com',
  };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
  return { file, key };
}
