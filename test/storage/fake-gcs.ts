import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A local endpoint speaking the Cloud Storage JSON API for what @google-cloud/storage sends us:
// multipart insert (POST /upload/storage/v1/b/{bucket}/o?uploadType=multipart, with
// ifGenerationMatch, md5Hash/crc32c checked against the bytes received, object retention), object
// metadata (GET /storage/v1/b/{bucket}/o/{name}), media download (?alt=media, with x-goog-hash),
// list (GET /storage/v1/b/{bucket}/o?prefix=&pageToken=) and delete (refused under retention).
// Errors carry the JSON API's error shape ({error: {code, message, errors: [{reason, …}]}}).
// Credentials: a minimal STS token exchange (POST /v1/token, what a workload identity federation
// `external_account` credential calls) issues bearer tokens; every storage request must carry one.
// It is not GCS: it implements just enough to prove what our uploader sends and that GCS's rules
// (preconditions, retention only on buckets with object retention enabled) would accept it.

export interface GcsObject {
  name: string;
  bucket: string;
  generation: string;
  body: Buffer;
  contentType: string;
  md5Hash: string;
  crc32c: string;
  metadata?: Record<string, string>;
  retention?: { mode: string; retainUntilTime: string };
  timeCreated: string;
}

export interface FakeGcsRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  status: number;
  // The JSON metadata part of a multipart insert.
  resource?: Record<string, unknown>;
}

export interface FakeGcs {
  endpoint: string;
  // token_url for an external_account credential.
  tokenUrl: string;
  requests: FakeGcsRequest[];
  // The subject token the STS endpoint accepts (what the credential file's credential_source holds).
  subjectToken: string;
  // bucket → name → generations (newest last; a delete removes the live one).
  buckets: Map<string, { objectRetention: boolean; objects: Map<string, GcsObject[]> }>;
  // Answer every insert with this error (e.g. 403 forbidden).
  failInserts?: { status: number; reason: string; message: string };
  close(): Promise<void>;
}

// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), as GCS reports it: big-endian, base64.
const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32c(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = (CRC32C_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function crc32cBase64(data: Buffer): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc32c(data));
  return b.toString('base64');
}

function sendJson(res: ServerResponse, status: number, body: unknown): number {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
  return status;
}

function sendError(res: ServerResponse, status: number, reason: string, message: string, extra: Record<string, string> = {}): number {
  return sendJson(res, status, { error: { code: status, message, errors: [{ message, domain: 'global', reason, ...extra }] } });
}

// multipart/related: "--boundary\r\n<headers>\r\n\r\n<body>\r\n--boundary … --boundary--".
function parseMultipart(body: Buffer, contentType: string): { headers: Record<string, string>; body: Buffer }[] | undefined {
  const m = /boundary="?([^";]+)"?/i.exec(contentType);
  if (!m?.[1]) return undefined;
  const delimiter = Buffer.from(`--${m[1]}`);
  const parts: { headers: Record<string, string>; body: Buffer }[] = [];
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString('latin1') === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) return undefined;
    // Strip the CRLF after the delimiter and the one before the next delimiter.
    const part = body.subarray(start + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) return undefined;
    const headers: Record<string, string> = {};
    for (const line of part.subarray(0, split).toString('latin1').split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    parts.push({ headers, body: part.subarray(split + 4) });
    pos = next;
  }
  return parts;
}

function resource(o: GcsObject, endpoint: string): Record<string, unknown> {
  const enc = encodeURIComponent(o.name);
  return {
    kind: 'storage#object',
    id: `${o.bucket}/${o.name}/${o.generation}`,
    selfLink: `${endpoint}/storage/v1/b/${o.bucket}/o/${enc}`,
    mediaLink: `${endpoint}/download/storage/v1/b/${o.bucket}/o/${enc}?generation=${o.generation}&alt=media`,
    name: o.name,
    bucket: o.bucket,
    generation: o.generation,
    metageneration: '1',
    contentType: o.contentType,
    storageClass: 'STANDARD',
    size: String(o.body.length),
    md5Hash: o.md5Hash,
    crc32c: o.crc32c,
    etag: Buffer.from(`${o.generation}:1`).toString('base64'),
    timeCreated: o.timeCreated,
    updated: o.timeCreated,
    timeStorageClassUpdated: o.timeCreated,
    ...(o.metadata ? { metadata: o.metadata } : {}),
    ...(o.retention ? { retention: o.retention } : {}),
  };
}

const RetentionShape = (v: unknown): v is { mode: unknown; retainUntilTime: unknown } => typeof v === 'object' && v !== null;

// pageSize: the most items a list page returns (GCS: 1000), small in tests to exercise paging.
export async function startFakeGcs(buckets: Record<string, { objectRetention: boolean }>, opts: { pageSize?: number } = {}): Promise<FakeGcs> {
  const tokens = new Set<string>();
  const state: FakeGcs = {
    endpoint: '',
    tokenUrl: '',
    requests: [],
    subjectToken: `subject-${randomBytes(8).toString('hex')}`,
    buckets: new Map(Object.entries(buckets).map(([name, b]) => [name, { objectRetention: b.objectRetention, objects: new Map() }])),
    close: async () => undefined,
  };
  let generationSeq = 1_700_000_000_000_000;

  const handle = async (req: IncomingMessage, res: ServerResponse, record: FakeGcsRequest): Promise<number> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const h = (name: string): string => {
      const v = req.headers[name];
      return (Array.isArray(v) ? v[0] : v) ?? '';
    };

    // STS token exchange (RFC 8693), as google-auth-library's external_account client sends it.
    if (req.method === 'POST' && url.pathname === '/v1/token') {
      const form = new URLSearchParams(raw.toString('utf8'));
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:token-exchange' || form.get('subject_token') !== state.subjectToken) {
        return sendJson(res, 400, { error: 'invalid_grant', error_description: 'The subject token is invalid.' });
      }
      const token = `ya29.fake-${randomBytes(12).toString('hex')}`;
      tokens.add(token);
      return sendJson(res, 200, { access_token: token, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: 3600 });
    }

    const bearer = /^Bearer (\S+)$/.exec(h('authorization'))?.[1];
    if (!bearer || !tokens.has(bearer)) {
      return sendError(res, 401, 'required', 'Anonymous caller does not have storage.objects.create access to the Google Cloud Storage object.', { locationType: 'header', location: 'Authorization' });
    }

    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    const object = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
    const list = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    const bucketName = decodeURIComponent((upload ?? object ?? list)?.[1] ?? '');
    const bucket = state.buckets.get(bucketName);
    if (!upload && !object && !list) return sendError(res, 404, 'notFound', `Not Found: ${req.method} ${url.pathname}`);
    if (!bucket) return sendError(res, 404, 'notFound', 'The specified bucket does not exist.');

    if (req.method === 'POST' && upload) {
      if (state.failInserts) return sendError(res, state.failInserts.status, state.failInserts.reason, state.failInserts.message);
      if (url.searchParams.get('uploadType') !== 'multipart') return sendError(res, 400, 'invalid', `uploadType ${url.searchParams.get('uploadType') ?? '(none)'} is not implemented by the fake`);
      const parts = parseMultipart(raw, h('content-type'));
      const [meta, media] = parts ?? [];
      if (!meta || !media || parts?.length !== 2) return sendError(res, 400, 'invalid', 'Invalid multipart request.');
      let r: Record<string, unknown>;
      try {
        r = JSON.parse(meta.body.toString('utf8')) as Record<string, unknown>;
      } catch {
        return sendError(res, 400, 'parseError', 'Parse Error');
      }
      record.resource = r;
      const name = url.searchParams.get('name') ?? (typeof r.name === 'string' ? r.name : '');
      if (!name) return sendError(res, 400, 'required', 'Required');
      const body = media.body;
      const md5 = createHash('md5').update(body).digest('base64');
      const crc = crc32cBase64(body);
      // GCS checks hashes supplied in the metadata against the bytes it received.
      if (typeof r.md5Hash === 'string' && r.md5Hash !== md5) return sendError(res, 400, 'invalid', `Provided MD5 hash "${r.md5Hash}" doesn't match calculated MD5 hash "${md5}".`);
      if (typeof r.crc32c === 'string' && r.crc32c !== crc) return sendError(res, 400, 'invalid', `Provided CRC32C "${r.crc32c}" doesn't match calculated CRC32C "${crc}".`);
      let retention: GcsObject['retention'];
      if (r.retention !== undefined) {
        if (!bucket.objectRetention) return sendError(res, 400, 'invalid', 'Object retention is not enabled on the bucket.');
        const ret = r.retention;
        if (!RetentionShape(ret) || (ret.mode !== 'Locked' && ret.mode !== 'Unlocked') || typeof ret.retainUntilTime !== 'string' || Number.isNaN(Date.parse(ret.retainUntilTime))) {
          return sendError(res, 400, 'invalid', 'Invalid retention: mode must be Locked or Unlocked and retainUntilTime an RFC 3339 time.');
        }
        if (Date.parse(ret.retainUntilTime) <= Date.now()) return sendError(res, 400, 'invalid', 'The retain until time must be in the future.');
        retention = { mode: ret.mode, retainUntilTime: new Date(ret.retainUntilTime).toISOString() };
      }
      const generations = bucket.objects.get(name) ?? [];
      const live = generations.at(-1);
      const ifGen = url.searchParams.get('ifGenerationMatch');
      if (ifGen !== null && ifGen !== (live?.generation ?? '0')) {
        return sendError(res, 412, 'conditionNotMet', 'At least one of the pre-conditions you specified did not hold.', { locationType: 'header', location: 'If-Match' });
      }
      if (live?.retention && Date.parse(live.retention.retainUntilTime) > Date.now()) {
        return sendError(res, 403, 'retentionPolicyNotMet', `Object '${bucketName}/${name}' is subject to object retention and cannot be deleted, overwritten or archived until ${live.retention.retainUntilTime}`);
      }
      const o: GcsObject = {
        name,
        bucket: bucketName,
        generation: String(++generationSeq),
        body,
        contentType: typeof r.contentType === 'string' ? r.contentType : (media.headers['content-type'] ?? 'application/octet-stream'),
        md5Hash: md5,
        crc32c: crc,
        ...(typeof r.metadata === 'object' && r.metadata !== null ? { metadata: Object.fromEntries(Object.entries(r.metadata).map(([k, v]) => [k, String(v)])) } : {}),
        ...(retention ? { retention } : {}),
        timeCreated: new Date().toISOString(),
      };
      generations.push(o);
      bucket.objects.set(name, generations);
      return sendJson(res, 200, resource(o, state.endpoint));
    }

    if (object) {
      const name = decodeURIComponent(object[2] ?? '');
      const o = bucket.objects.get(name)?.at(-1);
      if (!o) return sendError(res, 404, 'notFound', `No such object: ${bucketName}/${name}`);
      if (req.method === 'GET' && url.searchParams.get('alt') === 'media') {
        res.writeHead(200, {
          'content-type': o.contentType,
          'content-length': String(o.body.length),
          'x-goog-hash': `crc32c=${o.crc32c},md5=${o.md5Hash}`,
          'x-goog-generation': o.generation,
          'x-goog-metageneration': '1',
          'x-goog-stored-content-encoding': 'identity',
          'x-goog-stored-content-length': String(o.body.length),
        });
        res.end(o.body);
        return 200;
      }
      if (req.method === 'GET') return sendJson(res, 200, resource(o, state.endpoint));
      if (req.method === 'DELETE') {
        if (o.retention && Date.parse(o.retention.retainUntilTime) > Date.now()) {
          return sendError(res, 403, 'retentionPolicyNotMet', `Object '${bucketName}/${name}' is subject to object retention and cannot be deleted, overwritten or archived until ${o.retention.retainUntilTime}`);
        }
        bucket.objects.get(name)?.pop();
        res.writeHead(204).end();
        return 204;
      }
    }

    if (req.method === 'GET' && list) {
      const prefix = url.searchParams.get('prefix') ?? '';
      const max = Math.min(Number(url.searchParams.get('maxResults') ?? '1000'), opts.pageSize ?? 1000);
      const after = url.searchParams.get('pageToken') ? Buffer.from(url.searchParams.get('pageToken') ?? '', 'base64url').toString('utf8') : '';
      const names = [...bucket.objects.entries()].filter(([n, g]) => n.startsWith(prefix) && n > after && g.length > 0).map(([n]) => n).sort();
      const page = names.slice(0, max);
      const items = page.flatMap((n) => {
        const o = bucket.objects.get(n)?.at(-1);
        return o ? [resource(o, state.endpoint)] : [];
      });
      return sendJson(res, 200, { kind: 'storage#objects', ...(names.length > page.length ? { nextPageToken: Buffer.from(page.at(-1) ?? '').toString('base64url') } : {}), items });
    }

    return sendError(res, 501, 'notImplemented', `${req.method} ${url.pathname}${url.search} is not implemented by the fake`);
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const record: FakeGcsRequest = { method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, status: 0 };
    handle(req, res, record).then(
      (status) => {
        record.status = status;
        state.requests.push(record);
      },
      (err: unknown) => {
        res.writeHead(500).end(String(err));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.tokenUrl = `${state.endpoint}/v1/token`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
