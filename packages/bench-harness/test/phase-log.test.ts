import { describe, expect, it } from 'vitest';
import { PhaseLog, RunReporter } from '../src/index.js';

describe('PhaseLog', () => {
  it('keeps each phase with its items and unit, in order, also when a phase throws', async () => {
    const log = new PhaseLog();
    await log.phase('load', (phase) => phase.advance(3), { unit: 'rows' });
    await expect(
      log.phase('write', () => {
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(log.phases.map(({ name, items, unit }) => ({ name, items, unit }))).toEqual([
      { name: 'load', items: 3, unit: 'rows' },
      { name: 'write', items: 0, unit: 'items' },
    ]);
    expect(log.phases.every((p) => p.wallMs >= 0)).toBe(true);
  });

  it('passes phases and their progress on to a reporter', async () => {
    const reporter = new RunReporter({ name: 't', quiet: true, progress: 'none' });
    const log = new PhaseLog(reporter);
    await log.phase('encode', (phase) => phase.advance(5), { unit: 'probes' });
    const report = reporter.finish();
    expect(report.phases.map(({ name, items, unit }) => ({ name, items, unit }))).toEqual([
      { name: 'encode', items: 5, unit: 'probes' },
    ]);
    expect(log.phases[0]?.items).toBe(5);
  });
});
