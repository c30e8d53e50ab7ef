import { fileURLToPath } from 'node:url';

// Files shipped with the package, found from this module (src/cli/ or dist/cli/) so the demo works
// from a clone, an `npm install -g` and `npx` alike.
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEMO_ENVIRONMENT = fileURLToPath(new URL('../../demo/environment/', import.meta.url));
// The demo shows a waived result and an attested control unless other files are given.
export const DEMO_EXCEPTIONS = fileURLToPath(new URL('../../demo/exceptions.yaml', import.meta.url));
export const DEMO_ATTESTATIONS = fileURLToPath(new URL('../../demo/attestations.yaml', import.meta.url));
// The demo's audit boundary (its PCI DSS cardholder data environment).
export const DEMO_CONFIG = fileURLToPath(new URL('../../demo/auditpack.yaml', import.meta.url));
