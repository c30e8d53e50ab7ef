import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A local Blob service endpoint, Azurite-style (http://127.0.0.1:PORT/<account>/<container>/<blob>),
// speaking the REST/XML protocol for what @azure/storage-blob sends us: Put Blob (BlockBlob, with
// Content-MD5 checked against the bytes, If-None-Match: *, per-blob immutability headers), Get Blob
// Properties (HEAD), Get Blob (GET), Delete Blob (refused under an immutability policy) and List
// Blobs. Every request must carry a SharedKey Authorization header whose HMAC-SHA256 signature over
// the canonical string-to-sign (learn.microsoft.com "Authorize with Shared Key") verifies with the
// account key. Containers are versioned, as version-level immutability requires.
// It is not Azure Storage: it implements just enough to prove what our uploader sends and that the
// service's rules would accept it.

export interface BlobVersion {
  versionId: string;
  body: Buffer;
  contentType: string;
  contentMd5: string;
  etag: string;
  created: Date;
  metadata: Record<string, string>;
  immutability?: { until: Date; mode: 'locked' | 'unlocked' };
}

export interface FakeBlobRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  status: number;
  errorCode?: string;
}

export interface FakeAzureBlob {
  accountName: string;
  accountKey: string;
  // http://127.0.0.1:PORT/<account>
  accountUrl: string;
  // DefaultEndpointsProtocol=http;AccountName=…;AccountKey=…;BlobEndpoint=<accountUrl>;
  connectionString: string;
  requests: FakeBlobRequest[];
  containers: Map<string, { versionLevelImmutability: boolean; blobs: Map<string, BlobVersion[]> }>;
  // Answer every Put Blob with this error (e.g. 403 AuthorizationPermissionMismatch).
  failPuts?: { status: number; code: string; message: string };
  close(): Promise<void>;
}

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function sendError(res: ServerResponse, status: number, code: string, message: string, extra: Record<string, string> = {}): number {
  const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${xmlEscape(message)}\nRequestId:00000000-0000-0000-0000-000000000000\nTime:${new Date().toISOString()}</Message>${Object.entries(extra)
    .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
    .join('')}</Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'x-ms-error-code': code, 'x-ms-request-id': '00000000-0000-0000-0000-000000000000', 'x-ms-version': '2026-02-06', 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
  return status;
}

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return (Array.isArray(v) ? v.join(',') : v) ?? '';
}

// String-to-sign for Shared Key (service version 2009-09-19 and later), built from the request
// as received.
export function sharedKeyStringToSign(req: IncomingMessage, accountName: string): string {
  const url = new URL(req.url ?? '/', 'http://fake');
  const contentLength = header(req, 'content-length');
  const standard = [
    (req.method ?? '').toUpperCase(),
    header(req, 'content-encoding'),
    header(req, 'content-language'),
    contentLength === '0' ? '' : contentLength,
    header(req, 'content-md5'),
    header(req, 'content-type'),
    header(req, 'date'),
    header(req, 'if-modified-since'),
    header(req, 'if-match'),
    header(req, 'if-none-match'),
    header(req, 'if-unmodified-since'),
    header(req, 'range'),
  ];
  const msHeaders = Object.keys(req.headers)
    .filter((k) => k.startsWith('x-ms-'))
    .sort()
    .map((k) => `${k}:${header(req, k).trim()}\n`)
    .join('');
  const params = new Map<string, string[]>();
  for (const [k, v] of url.searchParams) params.set(k.toLowerCase(), [...(params.get(k.toLowerCase()) ?? []), v]);
  const query = [...params.keys()]
    .sort()
    .map((k) => `\n${k}:${(params.get(k) ?? []).sort().join(',')}`)
    .join('');
  return `${standard.join('\n')}\n${msHeaders}/${accountName}${url.pathname}${query}`;
}

function propertiesHeaders(v: BlobVersion): Record<string, string> {
  return {
    'content-type': v.contentType,
    'content-length': String(v.body.length),
    'content-md5': v.contentMd5,
    etag: v.etag,
    'last-modified': v.created.toUTCString(),
    'x-ms-creation-time': v.created.toUTCString(),
    'x-ms-blob-type': 'BlockBlob',
    'x-ms-version-id': v.versionId,
    'x-ms-is-current-version': 'true',
    'x-ms-server-encrypted': 'true',
    'x-ms-lease-state': 'available',
    'x-ms-lease-status': 'unlocked',
    'x-ms-version': '2026-02-06',
    'accept-ranges': 'bytes',
    ...Object.fromEntries(Object.entries(v.metadata).map(([k, val]) => [`x-ms-meta-${k}`, val])),
    // The service reports the mode in lower case.
    ...(v.immutability ? { 'x-ms-immutability-policy-until-date': v.immutability.until.toUTCString(), 'x-ms-immutability-policy-mode': v.immutability.mode } : {}),
  };
}

export async function startFakeAzureBlob(containers: Record<string, { versionLevelImmutability: boolean }>, opts: { pageSize?: number } = {}): Promise<FakeAzureBlob> {
  const accountName = 'auditstore';
  const key = randomBytes(64);
  const state: FakeAzureBlob = {
    accountName,
    accountKey: key.toString('base64'),
    accountUrl: '',
    connectionString: '',
    requests: [],
    containers: new Map(Object.entries(containers).map(([name, c]) => [name, { versionLevelImmutability: c.versionLevelImmutability, blobs: new Map() }])),
    close: async () => undefined,
  };
  let versionSeq = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<number> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);

    const auth = /^SharedKey ([^:]+):([A-Za-z0-9+/=]+)$/.exec(header(req, 'authorization'));
    if (!auth || auth[1] !== accountName || !header(req, 'x-ms-date') || !header(req, 'x-ms-version')) {
      return sendError(res, 403, 'AuthenticationFailed', 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.');
    }
    const stringToSign = sharedKeyStringToSign(req, accountName);
    const expected = createHmac('sha256', key).update(stringToSign, 'utf8').digest();
    const given = Buffer.from(auth[2] ?? '', 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return sendError(res, 403, 'AuthenticationFailed', 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.', {
        AuthenticationErrorDetail: `The MAC signature found in the HTTP request '${auth[2] ?? ''}' is not the same as any computed signature. Server used following string to sign: '${stringToSign}'.`,
      });
    }

    const [account, containerName, ...rest] = url.pathname.split('/').slice(1).map(decodeURIComponent);
    if (account !== accountName) return sendError(res, 400, 'InvalidUri', 'The requested URI does not represent any resource on the server.');
    const container = state.containers.get(containerName ?? '');
    if (!container) return sendError(res, 404, 'ContainerNotFound', 'The specified container does not exist.');
    const blobName = rest.join('/');

    if (req.method === 'PUT' && blobName && !url.searchParams.has('comp')) {
      if (state.failPuts) return sendError(res, state.failPuts.status, state.failPuts.code, state.failPuts.message);
      if (header(req, 'x-ms-blob-type') !== 'BlockBlob') return sendError(res, 400, 'MissingRequiredHeader', 'An HTTP header that\'s mandatory for this request is not specified.', { HeaderName: 'x-ms-blob-type' });
      if (Number(header(req, 'content-length')) !== body.length) return sendError(res, 400, 'InvalidHeaderValue', 'The value for one of the HTTP headers is not in the correct format.', { HeaderName: 'Content-Length' });
      const md5 = createHash('md5').update(body).digest('base64');
      const transactional = header(req, 'content-md5');
      if (transactional && transactional !== md5) return sendError(res, 400, 'Md5Mismatch', 'The MD5 value specified in the request did not match with the MD5 value calculated by the server.', { UserSpecifiedMd5: transactional, ServerCalculatedMd5: md5 });
      const until = header(req, 'x-ms-immutability-policy-until-date');
      const mode = header(req, 'x-ms-immutability-policy-mode').toLowerCase();
      let immutability: BlobVersion['immutability'];
      if (until || mode) {
        // Azure's error code for this case is not in its published table; the fake answers a 409
        // with a stand-in code. The uploader's hint does not depend on the code.
        if (!container.versionLevelImmutability) return sendError(res, 409, 'ImmutableStorageWithVersioningNotEnabled', 'Version-level immutability is not enabled on this container; a blob immutability policy cannot be set.');
        const date = new Date(until);
        if (!until || Number.isNaN(date.getTime()) || !/GMT$/.test(until) || (mode !== 'locked' && mode !== 'unlocked')) {
          return sendError(res, 400, 'InvalidHeaderValue', 'The value for one of the HTTP headers is not in the correct format.', { HeaderName: until ? 'x-ms-immutability-policy-mode' : 'x-ms-immutability-policy-until-date' });
        }
        if (date.getTime() <= Date.now()) return sendError(res, 400, 'InvalidHeaderValue', 'The immutability policy until-date must be in the future.', { HeaderName: 'x-ms-immutability-policy-until-date' });
        immutability = { until: date, mode };
      }
      const versions = container.blobs.get(blobName) ?? [];
      if (header(req, 'if-none-match') === '*' && versions.length > 0) return sendError(res, 409, 'BlobAlreadyExists', 'The specified blob already exists.');
      const current = versions.at(-1);
      if (current?.immutability && current.immutability.until.getTime() > Date.now()) return sendError(res, 409, 'BlobImmutableDueToPolicy', 'This operation is not permitted as the blob is immutable due to a policy.');
      const metadata: Record<string, string> = {};
      for (const k of Object.keys(req.headers)) if (k.startsWith('x-ms-meta-')) metadata[k.slice('x-ms-meta-'.length)] = header(req, k);
      const v: BlobVersion = {
        versionId: new Date(Date.now() + ++versionSeq).toISOString().replace('Z', `${String(versionSeq).padStart(4, '0')}Z`),
        body,
        contentType: header(req, 'x-ms-blob-content-type') || 'application/octet-stream',
        contentMd5: header(req, 'x-ms-blob-content-md5') || md5,
        etag: `"0x8D${createHash('sha1').update(body).update(String(versionSeq)).digest('hex').slice(0, 13).toUpperCase()}"`,
        created: new Date(),
        metadata,
        ...(immutability ? { immutability } : {}),
      };
      versions.push(v);
      container.blobs.set(blobName, versions);
      res.writeHead(201, { etag: v.etag, 'last-modified': v.created.toUTCString(), 'content-md5': md5, 'x-ms-version-id': v.versionId, 'x-ms-request-server-encrypted': 'true', 'x-ms-version': '2026-02-06', 'content-length': '0' });
      res.end();
      return 201;
    }

    if ((req.method === 'GET' || req.method === 'HEAD') && blobName) {
      const versions = container.blobs.get(blobName) ?? [];
      const wanted = url.searchParams.get('versionid');
      const v = wanted ? versions.find((x) => x.versionId === wanted) : versions.at(-1);
      if (!v) {
        if (req.method === 'HEAD') {
          res.writeHead(404, { 'x-ms-error-code': 'BlobNotFound' }).end();
          return 404;
        }
        return sendError(res, 404, 'BlobNotFound', 'The specified blob does not exist.');
      }
      res.writeHead(200, propertiesHeaders(v));
      res.end(req.method === 'HEAD' ? undefined : v.body);
      return 200;
    }

    if (req.method === 'DELETE' && blobName) {
      const versions = container.blobs.get(blobName) ?? [];
      const wanted = url.searchParams.get('versionid');
      const v = wanted ? versions.find((x) => x.versionId === wanted) : versions.at(-1);
      if (!v) return sendError(res, 404, 'BlobNotFound', 'The specified blob does not exist.');
      if (v.immutability && v.immutability.until.getTime() > Date.now()) return sendError(res, 409, 'BlobImmutableDueToPolicy', 'This operation is not permitted as the blob is immutable due to a policy.');
      container.blobs.set(blobName, versions.filter((x) => x !== v));
      res.writeHead(202, { 'x-ms-version': '2026-02-06' }).end();
      return 202;
    }

    if (req.method === 'GET' && !blobName && url.searchParams.get('restype') === 'container' && url.searchParams.get('comp') === 'list') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const max = Math.min(Number(url.searchParams.get('maxresults') ?? '5000'), opts.pageSize ?? 5000);
      const marker = url.searchParams.get('marker') ?? '';
      const names = [...container.blobs.entries()].filter(([n, v]) => n.startsWith(prefix) && n > marker && v.length > 0).map(([n]) => n).sort();
      const page = names.slice(0, max);
      const include = (url.searchParams.get('include') ?? '').split(',');
      const blobs = page
        .map((n) => {
          const v = container.blobs.get(n)?.at(-1);
          if (!v) return '';
          const immut = v.immutability && include.includes('immutabilitypolicy') ? `<ImmutabilityPolicyUntilDate>${v.immutability.until.toUTCString()}</ImmutabilityPolicyUntilDate><ImmutabilityPolicyMode>${v.immutability.mode}</ImmutabilityPolicyMode>` : '';
          const meta = include.includes('metadata') ? `<Metadata>${Object.entries(v.metadata).map(([k, val]) => `<${k}>${xmlEscape(val)}</${k}>`).join('')}</Metadata>` : '';
          return `<Blob><Name>${xmlEscape(n)}</Name><VersionId>${v.versionId}</VersionId><IsCurrentVersion>true</IsCurrentVersion><Properties><Creation-Time>${v.created.toUTCString()}</Creation-Time><Last-Modified>${v.created.toUTCString()}</Last-Modified><Etag>${xmlEscape(v.etag)}</Etag><Content-Length>${v.body.length}</Content-Length><Content-Type>${xmlEscape(v.contentType)}</Content-Type><Content-MD5>${v.contentMd5}</Content-MD5><BlobType>BlockBlob</BlobType><LeaseStatus>unlocked</LeaseStatus><LeaseState>available</LeaseState><ServerEncrypted>true</ServerEncrypted>${immut}</Properties>${meta}</Blob>`;
        })
        .join('');
      const next = names.length > page.length ? (page.at(-1) ?? '') : '';
      const xml = `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="${xmlEscape(state.accountUrl)}/" ContainerName="${xmlEscape(containerName ?? '')}"><Prefix>${xmlEscape(prefix)}</Prefix>${marker ? `<Marker>${xmlEscape(marker)}</Marker>` : ''}<MaxResults>${max}</MaxResults><Blobs>${blobs}</Blobs><NextMarker>${xmlEscape(next)}</NextMarker></EnumerationResults>`;
      res.writeHead(200, { 'content-type': 'application/xml', 'x-ms-version': '2026-02-06', 'content-length': String(Buffer.byteLength(xml)) });
      res.end(xml);
      return 200;
    }

    return sendError(res, 400, 'UnsupportedHttpVerb', `${req.method} ${url.pathname}${url.search} is not implemented by the fake`);
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const record: FakeBlobRequest = { method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, status: 0 };
    handle(req, res).then(
      (status) => {
        record.status = status;
        const code = res.getHeader('x-ms-error-code');
        if (typeof code === 'string') record.errorCode = code;
        state.requests.push(record);
      },
      (err: unknown) => {
        res.writeHead(500).end(String(err));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.accountUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${accountName}`;
  state.connectionString = `DefaultEndpointsProtocol=http;AccountName=${accountName};AccountKey=${state.accountKey};BlobEndpoint=${state.accountUrl};`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
