// A JSON document printed by a cloud CLI (`aws … --output json`, `az … -o json`,
// `gcloud … --format json`) that auditpack recognises in a snapshot folder. It is stored verbatim
// as an API-response evidence record and judged exactly like live collection of the same call.
export interface RecognizedOutput {
  // Evidence kind, the same one the live collector stores (e.g. 'AwsSecurityHubFindings').
  kind: string;
  // Identity of the response: account/subscription/project, region and call,
  // e.g. 'aws/123456789012/eu-west-1/securityhub/GetFindings'.
  name: string;
  // The CLI command that prints this document.
  cli: string;
}

// Returns undefined when the document is not this recognizer's. `file` is the path relative to
// the snapshot folder; its segments may carry the account, region or project when the content
// does not.
export type Recognizer = (value: unknown, file: string) => RecognizedOutput | undefined;
