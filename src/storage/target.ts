import { UsageError } from '../shared/errors.ts';

// Where a bundle goes: a bucket/container plus a key prefix. Every object lands under
// `<prefix>/<runId>/<bundle path>`, so runs never share keys.
export type UploadTarget =
  | { provider: 's3'; url: string; bucket: string; prefix: string }
  | { provider: 'gcs'; url: string; bucket: string; prefix: string }
  // accountUrl: https://<account>.blob.core.windows.net, or an emulator's http://host:port/<account>.
  | { provider: 'azure'; url: string; accountUrl: string; container: string; prefix: string };

const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const GCS_BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;
const AZURE_CONTAINER = /^(\$root|[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9])$/;

function cleanPrefix(raw: string, url: string): string {
  const parts = raw.split('/').filter((p) => p !== '');
  for (const p of parts) {
    if (p === '.' || p === '..' || /[\u0000-\u001f\u007f\\]/.test(p)) throw new UsageError('USAGE', `--upload ${url}: the prefix may not contain "${p}"`);
  }
  return parts.join('/');
}

// s3://bucket/prefix, gs://bucket/prefix, https://account.blob.core.windows.net/container/prefix
// (or an emulator's http(s)://host:port/account/container/prefix).
export function parseUploadUrl(url: string): UploadTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError('USAGE', `--upload ${url} is not a URL; use s3://bucket/prefix, gs://bucket/prefix or https://ACCOUNT.blob.core.windows.net/container/prefix`);
  }
  if (u.search || u.hash || u.username || u.password) throw new UsageError('USAGE', `--upload ${url}: no query, fragment or credentials in the URL (credentials come from the environment)`);
  if (u.protocol === 's3:' || u.protocol === 'gs:') {
    const bucket = u.hostname;
    const provider = u.protocol === 's3:' ? 's3' : 'gcs';
    if (!(provider === 's3' ? S3_BUCKET : GCS_BUCKET).test(bucket)) throw new UsageError('USAGE', `--upload ${url}: "${bucket}" is not a valid bucket name`);
    return { provider, url, bucket, prefix: cleanPrefix(decodeURIComponent(u.pathname), url) };
  }
  if (u.protocol === 'https:' || u.protocol === 'http:') {
    const segments = u.pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
    const accountHost = /^[a-z0-9]{3,24}\.blob\.core\.(windows\.net|chinacloudapi\.cn|usgovcloudapi\.net)$/.test(u.hostname);
    // Emulators (Azurite) name the account in the path; the public endpoints in the host name.
    const pathAccount = accountHost ? undefined : segments.shift();
    const container = segments.shift();
    if (!accountHost && u.protocol === 'https:' && !pathAccount) throw new UsageError('USAGE', `--upload ${url}: expected https://ACCOUNT.blob.core.windows.net/CONTAINER/prefix`);
    if (!accountHost && u.protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) {
      throw new UsageError('USAGE', `--upload ${url}: plain http is only accepted for a local emulator; use https`);
    }
    if (!container || !AZURE_CONTAINER.test(container)) throw new UsageError('USAGE', `--upload ${url}: "${container ?? ''}" is not a valid blob container name`);
    return { provider: 'azure', url, accountUrl: `${u.origin}${pathAccount ? `/${pathAccount}` : ''}`, container, prefix: cleanPrefix(segments.join('/'), url) };
  }
  throw new UsageError('USAGE', `--upload ${url}: unsupported scheme ${u.protocol}; use s3://, gs:// or https://ACCOUNT.blob.core.windows.net/`);
}

export function objectKey(prefix: string, runId: string, file: string): string {
  return [prefix, runId, file].filter((p) => p !== '').join('/');
}
