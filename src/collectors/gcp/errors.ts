import { errorMessage } from '../../shared/errors.ts';

// Classifies what a Google Cloud client call threw. The two SDKs in use fail differently on the REST
// (fallback) transport: org-policy (google-gax 4) throws a GoogleError whose `code` is the gRPC status
// (7 PERMISSION_DENIED, 5 NOT_FOUND, 14 UNAVAILABLE…); resource-manager (google-gax 5 + gaxios 7)
// throws a GaxiosError whose `status` is the HTTP status and whose message is the response body.
// Network failures arrive as FetchError / GaxiosError with a string `code` (ECONNREFUSED…), and a
// body that is not JSON as a SyntaxError.

const GRPC_STATUS = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

// google.rpc.Code → HTTP status (google/rpc/code.proto).
const HTTP_OF: Readonly<Record<string, number>> = {
  CANCELLED: 499,
  UNKNOWN: 500,
  INVALID_ARGUMENT: 400,
  DEADLINE_EXCEEDED: 504,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  PERMISSION_DENIED: 403,
  RESOURCE_EXHAUSTED: 429,
  FAILED_PRECONDITION: 400,
  ABORTED: 409,
  OUT_OF_RANGE: 400,
  UNIMPLEMENTED: 501,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DATA_LOSS: 500,
  UNAUTHENTICATED: 401,
};

function statusOfHttp(http: number): string {
  const known: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'ABORTED', 429: 'RESOURCE_EXHAUSTED', 499: 'CANCELLED', 500: 'INTERNAL', 501: 'UNIMPLEMENTED', 502: 'UNAVAILABLE', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED' };
  return known[http] ?? (http >= 500 ? 'UNAVAILABLE' : 'UNKNOWN');
}

// Worth another attempt: the server or the path to it was briefly unable to answer.
const RETRYABLE_STATUS = new Set(['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED', 'INTERNAL', 'ABORTED']);
const RETRYABLE_NETWORK = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

export interface RestErrorBody {
  error: { code: number; message: string; status: string };
}

export interface GcpCallError {
  // gRPC canonical status ('PERMISSION_DENIED'…), or NETWORK, TIMEOUT, BAD_RESPONSE, UNKNOWN.
  status: string;
  httpStatus: number | undefined;
  message: string;
  retryable: boolean;
  // The REST error body the server answered with: verbatim when the SDK kept it (gaxios), else
  // rebuilt from the status code and message (google-gax 4 keeps only those). Undefined when no
  // server answered.
  body: RestErrorBody | undefined;
}

// Thrown by the collector's own per-call deadline: the REST transport applies none.
export class GcpCallTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`}`);
    this.name = 'GcpCallTimeout';
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function restBody(text: string): RestErrorBody | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (isRecord(parsed) && isRecord(parsed.error) && typeof parsed.error.code === 'number') {
      const e = parsed.error;
      return { ...parsed, error: { ...e, code: e.code as number, message: typeof e.message === 'string' ? e.message : '', status: typeof e.status === 'string' ? e.status : statusOfHttp(e.code as number) } };
    }
  } catch {
    // not a JSON error body
  }
  return undefined;
}

function networkDetail(err: unknown): string {
  const parts = [errorMessage(err)];
  let cause = isRecord(err) ? err.cause : undefined;
  for (let depth = 0; isRecord(cause) && depth < 3; depth++) {
    parts.push(`${typeof cause.code === 'string' ? `${cause.code}: ` : ''}${errorMessage(cause)}`);
    cause = cause.cause;
  }
  return [...new Set(parts)].join(' — ');
}

export function classifyGcpError(err: unknown): GcpCallError {
  if (err instanceof GcpCallTimeout) return { status: 'TIMEOUT', httpStatus: undefined, message: err.message, retryable: false, body: undefined };
  const e = isRecord(err) ? err : {};
  const response = isRecord(e.response) ? e.response : undefined;
  const http = typeof e.status === 'number' ? e.status : typeof response?.status === 'number' ? response.status : undefined;
  if (http !== undefined) {
    // gaxios: the message is the response body.
    const text = typeof response?.data === 'string' ? response.data : errorMessage(err);
    const body = restBody(text);
    const status = body?.error.status ?? statusOfHttp(http);
    const message = body?.error.message ?? text.trim().slice(0, 300);
    return { status, httpStatus: http, message, retryable: RETRYABLE_STATUS.has(status) || http === 429 || http >= 500, body: body ?? { error: { code: http, message, status } } };
  }
  if (typeof e.code === 'number' && Number.isInteger(e.code) && e.code > 0 && e.code < GRPC_STATUS.length) {
    const status = GRPC_STATUS[e.code] ?? 'UNKNOWN';
    const message = errorMessage(err);
    const httpStatus = HTTP_OF[status];
    return { status, httpStatus, message, retryable: RETRYABLE_STATUS.has(status), body: httpStatus ? { error: { code: httpStatus, message, status } } : undefined };
  }
  if (typeof e.code === 'string') {
    return { status: 'NETWORK', httpStatus: undefined, message: networkDetail(err), retryable: RETRYABLE_NETWORK.has(e.code), body: undefined };
  }
  if (err instanceof SyntaxError) {
    return { status: 'BAD_RESPONSE', httpStatus: undefined, message: `the response is not JSON (${err.message})`, retryable: false, body: undefined };
  }
  return { status: 'UNKNOWN', httpStatus: undefined, message: networkDetail(err), retryable: false, body: undefined };
}
