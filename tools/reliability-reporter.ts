// A vitest reporter for the stress runs: it files every fault test (a name that starts with `[kill]`, `[db]`, …)
// under its pipeline command (the file's top-level describe) and writes what it saw to .reliability/<package>.json,
// from which tools/reliability-report.mjs builds docs/reliability.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { Reporter, TestModule, TestCase } from 'vitest/node';

/** One fault case as the report lists it. */
export interface FaultCase {
  readonly command: string;
  readonly fault: string;
  readonly name: string;
  readonly state: 'passed' | 'failed' | 'skipped' | 'pending';
  readonly file: string;
}

const FAULT = /^\[([a-z]+)\]\s*(.*)$/;

const WORKSPACE = join(import.meta.dirname, '..');

export class ReliabilityReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const cases: FaultCase[] = [];
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const match = FAULT.exec(test.name);
        if (match === null) continue;
        cases.push({
          command: topSuiteName(test),
          fault: match[1]!,
          name: match[2]!,
          state: test.result().state,
          file: relative(WORKSPACE, module.moduleId),
        });
      }
    }
    if (cases.length === 0) return;
    const dir = join(WORKSPACE, '.reliability');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${basename(process.cwd())}.json`), `${JSON.stringify(cases, null, 2)}\n`);
  }
}

function topSuiteName(test: TestCase): string {
  let node: TestCase['parent'] = test.parent;
  let name = '';
  while (node.type === 'suite') {
    name = node.name;
    node = node.parent;
  }
  return name || basename(test.module.moduleId, '.test.ts');
}
