import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_STANDARD, SUB, assessment, control, fixtures, pricing, secureScore, standard } from './azure-objects.ts';

// A local Azure over HTTPS, with a certificate signed by a test CA made with openssl at start:
//   Azure Resource Manager (Microsoft.Security lists of one subscription, nextLink paging,
//   api-version checks, bearer token required, per-path overrides for faults such as AuthorizationFailed)
//   Microsoft Entra ID for a client-secret service principal, as MSAL calls it:
//     GET  /{tenant}/v2.0/.well-known/openid-configuration
//     POST /{tenant}/oauth2/v2.0/token   grant_type=client_credentials, client_id, client_secret, scope
// ARM accepts TOKEN and every token the Entra endpoint issued, nothing else.

export const TOKEN = 'fake-token';
export const PCI4 = 'PCI-DSS-4';
export const SOC = 'SOC-TSP';
export const ARM_SCOPE = 'https://management.azure.com/.default';

export const SECURITY = `/subscriptions/${SUB}/providers/Microsoft.Security`;
export const STD_PATH = (std: string): string => `${SECURITY}/regulatoryComplianceStandards/${std}/regulatoryComplianceControls`;
export const ASSESS_PATH = (std: string, ctl: string): string => `${STD_PATH(std)}/${ctl}/regulatoryComplianceAssessments`;

// Each list as the served pages (REST shape); `nextLink` is added when a route has several pages.
export const PRICINGS = { value: [...(fixtures.pricings().value as unknown[]), fixtures.dnsPricing(), pricing('Arm', 'Standard'), pricing('StorageAccounts', 'Free')] };
export const SCORE_PAGES = [fixtures.secureScores(), { value: [secureScore(5, 10, 0.5, SUB, 'customInitiative')] }];
export const STANDARD_PAGES = [
  { value: [fixtures.standard(), standard('Azure-CIS-1.1.0', 'Skipped', { skipped: 40 })] },
  { value: [standard(PCI4, 'Passed', { passed: 2 }), standard(SOC, 'Failed', { passed: 1, failed: 1 })] },
];
export const LISTS: Record<string, Record<string, unknown>[]> = {
  [`${SECURITY}/secureScores`]: SCORE_PAGES,
  [`${SECURITY}/regulatoryComplianceStandards`]: STANDARD_PAGES,
  [STD_PATH(FIXTURE_STANDARD)]: [fixtures.controls()],
  [STD_PATH(PCI4)]: [{ value: [control(PCI4, '1.2.1', 'Passed', { passed: 1 })] }, { value: [control(PCI4, '8.3.1', 'Passed', { passed: 1, skipped: 1 })] }],
  [STD_PATH(SOC)]: [{ value: [control(SOC, 'CC6.1', 'Passed', { passed: 2 }), control(SOC, 'CC7.2', 'Failed', { passed: 1, failed: 1 })] }],
  [ASSESS_PATH(FIXTURE_STANDARD, '1.1')]: [fixtures.assessments()],
  [ASSESS_PATH(FIXTURE_STANDARD, '2')]: [{ value: [] }],
  [ASSESS_PATH(PCI4, '1.2.1')]: [{ value: [assessment(PCI4, '1.2.1', 'b1', 'Subnets should be associated with a network security group', 'Passed', { passed: 5 })] }],
  [ASSESS_PATH(PCI4, '8.3.1')]: [
    {
      value: [
        assessment(PCI4, '8.3.1', 'b2', 'Accounts with owner permissions on Azure resources should be MFA enabled', 'Passed', { passed: 3 }),
        assessment(PCI4, '8.3.1', 'b3', 'Guest accounts with owner permissions should be removed', 'Skipped', { skipped: 2 }),
      ],
    },
  ],
  [ASSESS_PATH(SOC, 'CC6.1')]: [{ value: [assessment(SOC, 'CC6.1', 'c1', 'Storage accounts should restrict network access', 'Passed', { passed: 4 })] }],
  [ASSESS_PATH(SOC, 'CC7.2')]: [
    {
      value: [
        assessment(SOC, 'CC7.2', 'c2', 'Azure Defender for servers should be enabled', 'Passed', { passed: 1 }),
        assessment(SOC, 'CC7.2', 'c3', 'Vulnerabilities in security configuration on your machines should be remediated', 'Failed', { passed: 2, failed: 3 }),
      ],
    },
  ],
};
const API_VERSIONS: [RegExp, string][] = [
  [/\/pricings$/, '2024-01-01'],
  [/\/secureScores$/, '2020-01-01'],
  [/\/regulatoryCompliance/, '2019-01-01-preview'],
];

export type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => boolean;

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): true {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'x-ms-request-id': 'b6e4f1c2-0000-4000-8000-000000000001', ...headers });
  res.end(JSON.stringify(body));
  return true;
}

export function armError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): true {
  return json(res, status, { error: { code, message } }, headers);
}

export function authorizationFailed(res: ServerResponse, action: string): true {
  return armError(
    res,
    403,
    'AuthorizationFailed',
    `The client 'auditpack@contoso.com' with object id '0e8c3b4d-1f2a-4b5c-9d6e-7f8a9b0c1d2e' does not have authorization to perform action '${action}' over scope '/subscriptions/${SUB}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}

// The service principal the Entra endpoint knows (AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET).
export interface ServicePrincipal {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export const SERVICE_PRINCIPAL: ServicePrincipal = {
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  clientId: '4b0f2c1e-8d3a-4e5f-9a6b-7c8d9e0f1a2b',
  clientSecret: 'auditpack-test-client-secret',
};

export interface SeenRequest {
  path: string;
  query: string;
  auth: string | undefined;
}

export interface TokenRequest {
  tenant: string;
  form: Record<string, string>;
  // The token issued, or undefined when the request was refused.
  issued: string | undefined;
}

export class FakeAzure {
  private server: Server | undefined;
  private certDir = '';
  base = '';
  // PEM of the test CA, and the file holding it (for NODE_EXTRA_CA_CERTS or azure.caFile).
  caPem = '';
  caFile = '';
  // Per-test overrides, keyed by path; a handler returns false to fall through to the default route.
  overrides: Record<string, Handler> = {};
  readonly hits = new Map<string, number>();
  // ARM requests, in order.
  readonly seen: SeenRequest[] = [];
  readonly tokenRequests: TokenRequest[] = [];
  readonly openIdRequests: string[] = [];
  private readonly tokens = new Set([TOKEN]);

  constructor(private readonly principal: ServicePrincipal = SERVICE_PRINCIPAL) {}

  reset(): void {
    this.overrides = {};
    this.hits.clear();
    this.seen.length = 0;
    this.tokenRequests.length = 0;
    this.openIdRequests.length = 0;
  }

  async start(): Promise<void> {
    this.certDir = mkdtempSync(join(tmpdir(), 'auditpack-azure-tls-'));
    const f = (name: string): string => join(this.certDir, name);
    const openssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'pipe' });
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=auditpack test CA', '-keyout', f('ca.key'), '-out', f('ca.pem'));
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', f('server.key'), '-out', f('server.csr'));
    writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    openssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('server.ext'), '-out', f('server.pem'));
    this.caFile = f('ca.pem');
    this.caPem = readFileSync(this.caFile, 'utf8');
    const server = createHttpsServer({ cert: readFileSync(f('server.pem'), 'utf8'), key: readFileSync(f('server.key'), 'utf8') }, (req, res) => this.receive(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    if (this.certDir) rmSync(this.certDir, { recursive: true, force: true });
  }

  private receive(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', this.base);
      const path = decodeURIComponent(url.pathname);
      if (path.startsWith('/subscriptions/')) this.arm(req, res, url, path);
      else this.entra(req, res, path, Buffer.concat(chunks).toString('utf8'));
    });
  }

  // Microsoft Entra ID, the client-credentials flow only (what ClientSecretCredential / EnvironmentCredential use).
  private entra(req: IncomingMessage, res: ServerResponse, path: string, body: string): void {
    const m = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token)$/.exec(path);
    const tenant = m?.[1];
    if (!m || !tenant) {
      json(res, 404, { error: 'not_found', error_description: `No route for ${req.method ?? ''} ${path}` });
      return;
    }
    if (tenant !== this.principal.tenantId) {
      json(res, 400, { error: 'invalid_tenant', error_description: `AADSTS90002: Tenant '${tenant}' not found.` });
      return;
    }
    const authority = `${this.base}/${tenant}`;
    if (m[2]?.startsWith('v2.0') && req.method === 'GET') {
      this.openIdRequests.push(path);
      json(res, 200, {
        token_endpoint: `${authority}/oauth2/v2.0/token`,
        authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
        issuer: `${authority}/v2.0`,
        jwks_uri: `${authority}/discovery/v2.0/keys`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        tenant_region_scope: 'EU',
      });
      return;
    }
    if (req.method !== 'POST') {
      json(res, 405, { error: 'invalid_request', error_description: 'AADSTS900561: The endpoint only accepts POST requests.' });
      return;
    }
    const form = Object.fromEntries(new URLSearchParams(body).entries());
    const record: TokenRequest = { tenant, form, issued: undefined };
    this.tokenRequests.push(record);
    if (form.grant_type !== 'client_credentials') {
      json(res, 400, { error: 'unsupported_grant_type', error_description: `AADSTS70003: grant type ${form.grant_type ?? ''} is not supported here.` });
      return;
    }
    if (form.client_id !== this.principal.clientId || form.client_secret !== this.principal.clientSecret) {
      json(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
      return;
    }
    if (!(form.scope ?? '').split(' ').includes(ARM_SCOPE)) {
      json(res, 400, { error: 'invalid_scope', error_description: `AADSTS70011: The provided scope '${form.scope ?? ''}' is not valid here.` });
      return;
    }
    const token = `entra-${randomBytes(12).toString('hex')}`;
    this.tokens.add(token);
    record.issued = token;
    json(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
  }

  private arm(req: IncomingMessage, res: ServerResponse, url: URL, path: string): void {
    this.seen.push({ path, query: url.search, auth: req.headers.authorization });
    const n = (this.hits.get(path) ?? 0) + 1;
    this.hits.set(path, n);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (bearer === undefined || !this.tokens.has(bearer)) {
      armError(res, 401, 'AuthenticationFailed', 'Authentication failed. The Authorization header is missing or the token is not valid.');
      return;
    }
    const want = API_VERSIONS.find(([re]) => re.test(path))?.[1];
    if (url.searchParams.get('api-version') !== want) {
      armError(res, 400, 'InvalidApiVersionParameter', `The api-version '${url.searchParams.get('api-version') ?? ''}' is invalid for ${path}.`);
      return;
    }
    if (this.overrides[path]?.(req, res, n)) return;
    if (path === `${SECURITY}/pricings`) {
      json(res, 200, PRICINGS);
      return;
    }
    const pages = LISTS[path];
    if (!pages) {
      armError(res, 404, 'NotFound', `No route for ${path}`);
      return;
    }
    const index = Number(url.searchParams.get('$skipToken') ?? '1') - 1;
    const body = pages[index];
    if (!body) {
      armError(res, 400, 'InvalidSkipToken', 'bad $skipToken');
      return;
    }
    const next = index + 1 < pages.length ? { nextLink: `${this.base}${url.pathname}?api-version=${want}&$skipToken=${index + 2}` } : {};
    json(res, 200, { ...body, ...next });
  }
}
