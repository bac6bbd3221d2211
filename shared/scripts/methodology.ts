// Writes docs/methodology.md from the rule catalogue: `npx tsx shared/scripts/methodology.ts`.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderMethodology } from '../src/methodology.js';

const target = fileURLToPath(new URL('../../docs/methodology.md', import.meta.url));
writeFileSync(target, renderMethodology());
console.log(`wrote ${target}`);
