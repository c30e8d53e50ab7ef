import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OrgPolicyClient } from '@google-cloud/org-policy';
import { ProjectsClient } from '@google-cloud/resource-manager';
import type { GcpClients } from '../../../src/collectors/gcp/collect.ts';

// A local server on 127.0.0.1 that speaks the REST (fallback) paths of Org Policy v2 and Resource
// Manager v3, for the real client libraries with `fallback: true` (sdk-recipes.md §4 Recipe A):
//   GET  /v2/projects/{p}/policies/{c}:getEffectivePolicy
//   GET  /v2/projects/{p}/policies[?pageToken=…]
//   POST /v3/projects/{p}:getIamPolicy   body {options: {requestedPolicyVersion}}
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

export class FakeGcp {
  private server: Server | undefined;
  port = 0;
  readonly requests: FakeRequest[] = [];
  readonly hits = new Map<string, number>();
  routes = new Map<string, Route>();

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
      const out = route ? route(request, hit) : restError(404, 'NOT_FOUND', 'Requested entity was not found.');
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
  return { orgPolicy: new OrgPolicyClient(opts), projects: new ProjectsClient(opts) };
}

export async function closeClients(clients: GcpClients): Promise<void> {
  await clients.orgPolicy.close();
  await clients.projects.close();
}
