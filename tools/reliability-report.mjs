#!/usr/bin/env node
// Builds docs/reliability.md from tools/reliability-template.md and the fault cases the last stress run recorded
// in .reliability/*.json (tools/reliability-reporter.ts). `npm run test:stress` runs it after the tests.
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const dir = join(root, '.reliability');
const FAULTS = [
  ['kill', 'SIGKILL at seeded points'],
  ['signal', 'SIGINT / SIGTERM'],
  ['db', 'database faults'],
  ['disk', 'disk faults'],
  ['input', 'bad input'],
  ['names', 'hostile names'],
  ['secrets', 'secrets'],
  ['hosts', 'several hosts'],
];

const files = existsSync(dir)
  ? readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .sort()
  : [];
if (files.length === 0) {
  console.error('reliability-report: no .reliability/*.json; run npm run test:stress first');
  process.exit(2);
}
const cases = files.flatMap((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')));
const commands = [...new Set(cases.map((c) => c.command))].sort();
const known = new Set(FAULTS.map(([fault]) => fault));
for (const fault of new Set(cases.map((c) => c.fault))) {
  if (!known.has(fault)) FAULTS.push([fault, fault]);
}

/** `held/tried`, with skipped cases (a fault that needs root, say) counted apart. */
function cell(list) {
  const tried = list.filter((c) => c.state === 'passed' || c.state === 'failed').length;
  const held = list.filter((c) => c.state === 'passed').length;
  const skipped = list.length - tried;
  if (list.length === 0) return '–';
  return `${held}/${tried}${skipped > 0 ? ` (${skipped} skipped)` : ''}`;
}

const header = `| command | ${FAULTS.map(([, title]) => title).join(' | ')} | all |`;
const rule = `|---|${FAULTS.map(() => '---:').join('|')}|---:|`;
const rows = commands.map((command) => {
  const mine = cases.filter((c) => c.command === command);
  const cells = FAULTS.map(([fault]) => cell(mine.filter((c) => c.fault === fault)));
  return `| \`${command}\` | ${cells.join(' | ')} | ${cell(mine)} |`;
});
const totals = `| **all** | ${FAULTS.map(([fault]) => cell(cases.filter((c) => c.fault === fault))).join(' | ')} | ${cell(cases)} |`;
const matrix = [header, rule, ...rows, totals].join('\n');

const mark = { passed: 'held', failed: '**FAILED**', skipped: 'skipped', pending: 'skipped' };
const lists = commands
  .map((command) => {
    const mine = cases.filter((c) => c.command === command);
    const lines = mine.map((c) => `- [${c.fault}] ${c.name}: ${mark[c.state]}`);
    return `### \`${command}\`\n\n${[...new Set(mine.map((c) => c.file))].map((f) => `[${f}](../${f})`).join(', ')}\n\n${lines.join('\n')}`;
  })
  .join('\n\n');

const template = readFileSync(join(root, 'tools', 'reliability-template.md'), 'utf8');
const text = template.replace('{{matrix}}', matrix).replace('{{cases}}', lists);
writeFileSync(join(root, 'docs', 'reliability.md'), text);
const failed = cases.filter((c) => c.state === 'failed').length;
console.log(`reliability-report: docs/reliability.md from ${cases.length} cases (${failed} failed)`);
