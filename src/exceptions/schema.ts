import { z } from 'zod';

// exceptions.yaml: approved risk acceptances. Strict: a typo is an error, never an exception that
// silently covers more (or less) than its approver accepted.

const Text = (what: string, max: number): z.ZodString =>
  z
    .string({ error: (i) => (i.input === undefined ? `missing ${what}` : `${what} must be text`) })
    .trim()
    .min(1, `missing ${what}`)
    .max(max);

// `*` matches any run of characters (also none); everything else is literal.
const Selector = z.string().trim().min(1).max(253);

export const DateOrInstant = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  error: 'must be a date (YYYY-MM-DD) or an ISO 8601 date-time with offset',
});

export const ExceptionEntry = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'letters, digits, . _ : - (max 64)').optional().describe('stable id (default: exception-<position>)'),
    check: Text('check', 128).describe('a registered check id'),
    target: Selector.optional(),
    namespace: Selector.optional(),
    kind: Selector.optional(),
    name: Selector.optional(),
    justification: Text('justification', 2000),
    approver: Text('approver', 200).describe('who accepted the risk (required)'),
    ticket: z.string().trim().min(1).max(200).optional(),
    expires: DateOrInstant.describe('last day (UTC) the exception applies, or an exact instant'),
  })
  .refine((e) => e.target !== undefined || e.namespace !== undefined || e.kind !== undefined || e.name !== undefined, {
    error: 'needs a resource selector besides check: at least one of target, namespace, kind, name (use "*" explicitly to cover everything)',
  });
export type ExceptionEntryInput = z.infer<typeof ExceptionEntry>;

export const ExceptionsFile = z.strictObject({
  $schema: z.string().optional(),
  exceptions: z.array(ExceptionEntry),
});
