import { AuditpackError } from '../shared/errors.ts';

export type ArchiveErrorCode = 'ARCHIVE_INVALID' | 'ARCHIVE_UNSAFE';
// A hand-off archive that cannot be read (not gzip, truncated, not tar) or that holds an entry a
// safe extraction refuses (path escaping the folder, link, device, duplicate).
export class ArchiveError extends AuditpackError<ArchiveErrorCode> {}
