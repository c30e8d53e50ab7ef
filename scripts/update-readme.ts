import { readFileSync, writeFileSync } from 'node:fs';
import { checkTableMarkdown } from '../src/checks/check-table.ts';
import { CHECKS } from '../src/checks/registry.ts';

// Regenerates the check table between the markers in README.md: `npx tsx scripts/update-readme.ts`.
const file = new URL('../README.md', import.meta.url);
const readme = readFileSync(file, 'utf8');
const updated = readme.replace(
  /<!-- checks:start -->[\s\S]*<!-- checks:end -->/,
  `<!-- checks:start -->\n${checkTableMarkdown(CHECKS)}\n<!-- checks:end -->`,
);
writeFileSync(file, updated);
