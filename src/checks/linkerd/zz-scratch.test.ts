import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { docs, runCase } from '../tester.ts';
import { linkerdDefaultDeny } from './linkerd-default-deny.ts';
const fixture = (name: string): unknown[] => docs(readFileSync(new URL(`../../../test/fixtures/linkerd/${name}`, import.meta.url), 'utf8'));
const upstream = (name: string): unknown[] => docs(readFileSync(new URL(`../../../test/fixtures/upstream/linkerd/${name}`, import.meta.url), 'utf8'));
it('x', () => {
  const r = runCase(linkerdDefaultDeny, { name: 'x', objects: [...fixture('linkerd-config.yaml'), ...fixture('emojivoto-workloads.yaml'), ...upstream('emojivoto-policy.yml'), ...fixture('booksapp-authors.yaml')], expect: [] });
  for (const x of r) console.log('R', x.status, x.resource.name, x.message, '| W:', x.warning);
});
