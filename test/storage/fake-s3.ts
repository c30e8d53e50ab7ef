import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A local S3-compatible endpoint for path-style requests, speaking the REST/XML protocol for what
// the AWS SDK sends us: PutObject (Object Lock headers, Content-MD5, x-amz-checksum-sha256,
// If-None-Match), HeadObject, GetObject, GetObjectRetention (?retention), DeleteObject (?versionId)
// and ListObjectsV2. Buckets are versioned, as Object Lock requires. It is not S3: it implements
// just enough to prove which headers our uploader sends and that S3's rules would accept them.

export interface StoredVersion {
  versionId: string;
  body: Buffer;
  contentType: string;
  etag: string;
  lastModified: Date;
  lockMode?: string;
  retainUntil?: string;
  checksumSha256?: string;
}

export interface FakeS3Request {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  status: number;
}

export interface FakeS3 {
  endpoint: string;
  requests: FakeS3Request[];
  // bucket → key → versions (newest last)
  buckets: Map<string, { objectLock: boolean; objects: Map<string, StoredVersion[]> }>;
  // Fail every PutObject with this status and S3 error code (e.g. 503 SlowDown / 500 InternalError).
  failPuts?: { status: number; code: string };
  close(): Promise<void>;
}

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function sendError(res: ServerResponse, status: number, code: string, message: string, resource: string): void {
  res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': 'FAKE' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message><Resource>${xmlEscape(resource)}</Resource><RequestId>FAKE</RequestId></Error>`);
}

// aws-chunked bodies (streaming uploads) carry "<hex-size>;chunk-signature=…\r\n<data>\r\n" frames.
function decodeAwsChunked(raw: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  while (i < raw.length) {
    const eol = raw.indexOf('\r\n', i);
    if (eol < 0) break;
    const size = parseInt(raw.subarray(i, eol).toString('latin1').split(';')[0] ?? '0', 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(raw.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

export async function startFakeS3(buckets: Record<string, { objectLock: boolean }>): Promise<FakeS3> {
  const state: FakeS3 = {
    endpoint: '',
    requests: [],
    buckets: new Map(Object.entries(buckets).map(([name, b]) => [name, { objectLock: b.objectLock, objects: new Map() }])),
    close: async () => undefined,
  };
  let versionSeq = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<number> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const parts = url.pathname.split('/').slice(1);
    const bucketName = decodeURIComponent(parts.shift() ?? '');
    const key = parts.map(decodeURIComponent).join('/');
    const resource = url.pathname;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const auth = req.headers.authorization ?? '';
    if (!/^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[a-z0-9-]+\/s3\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/.test(auth) || !req.headers['x-amz-content-sha256']) {
      sendError(res, 403, 'AccessDenied', 'Missing or malformed SigV4 Authorization', resource);
      return 403;
    }
    const bucket = state.buckets.get(bucketName);
    if (!bucket) {
      sendError(res, 404, 'NoSuchBucket', 'The specified bucket does not exist', resource);
      return 404;
    }
    const h = (name: string): string | undefined => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };

    if (req.method === 'PUT' && key) {
      if (state.failPuts) {
        sendError(res, state.failPuts.status, state.failPuts.code, 'injected failure', resource);
        return state.failPuts.status;
      }
      const raw = Buffer.concat(chunks);
      const body = (h('content-encoding') ?? '').includes('aws-chunked') ? decodeAwsChunked(raw) : raw;
      const md5 = h('content-md5');
      if (md5 !== undefined && md5 !== createHash('md5').update(body).digest('base64')) {
        sendError(res, 400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.', resource);
        return 400;
      }
      const sha = h('x-amz-checksum-sha256');
      if (sha !== undefined && sha !== createHash('sha256').update(body).digest('base64')) {
        sendError(res, 400, 'BadDigest', 'The SHA256 you specified did not match the calculated checksum.', resource);
        return 400;
      }
      const lockMode = h('x-amz-object-lock-mode');
      const retainUntil = h('x-amz-object-lock-retain-until-date');
      if (lockMode !== undefined || retainUntil !== undefined) {
        if (!bucket.objectLock) {
          sendError(res, 400, 'InvalidRequest', 'Bucket is missing Object Lock Configuration', resource);
          return 400;
        }
        if (md5 === undefined && !Object.keys(req.headers).some((k) => k.startsWith('x-amz-checksum-') && k !== 'x-amz-checksum-algorithm')) {
          sendError(res, 400, 'InvalidRequest', 'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters', resource);
          return 400;
        }
        if (!['COMPLIANCE', 'GOVERNANCE'].includes(lockMode ?? '') || !retainUntil || Number.isNaN(Date.parse(retainUntil))) {
          sendError(res, 400, 'InvalidArgument', 'x-amz-object-lock-mode and x-amz-object-lock-retain-until-date must both be supplied and valid', resource);
          return 400;
        }
      }
      const versions = bucket.objects.get(key) ?? [];
      if (h('if-none-match') === '*' && versions.length > 0) {
        sendError(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', resource);
        return 412;
      }
      const etag = `"${createHash('md5').update(body).digest('hex')}"`;
      const version: StoredVersion = {
        versionId: `v${++versionSeq}`,
        body,
        contentType: h('content-type') ?? 'binary/octet-stream',
        etag,
        lastModified: new Date(),
        ...(lockMode ? { lockMode } : {}),
        ...(retainUntil ? { retainUntil: new Date(retainUntil).toISOString() } : {}),
        ...(sha ? { checksumSha256: sha } : {}),
      };
      versions.push(version);
      bucket.objects.set(key, versions);
      res.writeHead(200, { etag, 'x-amz-version-id': version.versionId, ...(sha ? { 'x-amz-checksum-sha256': sha } : {}) });
      res.end();
      return 200;
    }

    if ((req.method === 'GET' || req.method === 'HEAD') && key) {
      const versions = bucket.objects.get(key) ?? [];
      const wanted = url.searchParams.get('versionId');
      const v = wanted ? versions.find((x) => x.versionId === wanted) : versions.at(-1);
      if (!v) {
        if (req.method === 'HEAD') {
          res.writeHead(404).end();
          return 404;
        }
        sendError(res, 404, 'NoSuchKey', 'The specified key does not exist.', resource);
        return 404;
      }
      if (url.searchParams.has('retention')) {
        if (!v.lockMode) {
          sendError(res, 404, 'NoSuchObjectLockConfiguration', 'The specified object does not have a ObjectLock configuration', resource);
          return 404;
        }
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Retention xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Mode>${v.lockMode}</Mode><RetainUntilDate>${v.retainUntil ?? ''}</RetainUntilDate></Retention>`);
        return 200;
      }
      res.writeHead(200, {
        'content-type': v.contentType,
        'content-length': String(v.body.length),
        etag: v.etag,
        'last-modified': v.lastModified.toUTCString(),
        'x-amz-version-id': v.versionId,
        ...(v.lockMode ? { 'x-amz-object-lock-mode': v.lockMode, 'x-amz-object-lock-retain-until-date': v.retainUntil ?? '' } : {}),
      });
      res.end(req.method === 'HEAD' ? undefined : v.body);
      return 200;
    }

    if (req.method === 'DELETE' && key) {
      const versions = bucket.objects.get(key) ?? [];
      const wanted = url.searchParams.get('versionId');
      if (!wanted) {
        // Versioned bucket: a plain DELETE adds a delete marker; locked versions stay. Modelled as a no-op.
        res.writeHead(204).end();
        return 204;
      }
      const v = versions.find((x) => x.versionId === wanted);
      const bypass = h('x-amz-bypass-governance-retention') === 'true';
      if (v?.lockMode && v.retainUntil && Date.parse(v.retainUntil) > Date.now() && (v.lockMode === 'COMPLIANCE' || !bypass)) {
        sendError(res, 403, 'AccessDenied', 'Access Denied because object protected by object lock.', resource);
        return 403;
      }
      bucket.objects.set(key, versions.filter((x) => x.versionId !== wanted));
      res.writeHead(204).end();
      return 204;
    }

    if (req.method === 'GET' && !key && url.searchParams.get('list-type') === '2') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const max = Number(url.searchParams.get('max-keys') ?? '1000');
      const after = url.searchParams.get('continuation-token') ?? url.searchParams.get('start-after') ?? '';
      const keys = [...bucket.objects.entries()].filter(([k, v]) => k.startsWith(prefix) && k > after && v.length > 0).map(([k]) => k).sort();
      const page = keys.slice(0, max);
      const truncated = keys.length > page.length;
      const contents = page
        .map((k) => {
          const v = bucket.objects.get(k)?.at(-1);
          return v ? `<Contents><Key>${xmlEscape(k)}</Key><LastModified>${v.lastModified.toISOString()}</LastModified><ETag>${xmlEscape(v.etag)}</ETag><Size>${v.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>` : '';
        })
        .join('');
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xmlEscape(bucketName)}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${truncated ? `<NextContinuationToken>${xmlEscape(page.at(-1) ?? '')}</NextContinuationToken>` : ''}${contents}</ListBucketResult>`,
      );
      return 200;
    }

    sendError(res, 501, 'NotImplemented', `${req.method} ${url.pathname}${url.search} is not implemented by the fake`, resource);
    return 501;
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).then(
      (status) => state.requests.push({ method: req.method ?? '', path: new URL(req.url ?? '/', 'http://fake').pathname, query: new URL(req.url ?? '/', 'http://fake').search, headers: req.headers, status }),
      (err: unknown) => {
        res.writeHead(500).end(String(err));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
