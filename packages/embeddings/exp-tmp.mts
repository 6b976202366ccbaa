import { startTestPostgres, createTestDatabase } from '@prepkit/db-cursors/testing';
import { embedTable, generateTexts, makeTestModel } from './src/index.js';
const server = await startTestPostgres();
const db = await createTestDatabase(server.url, 'x');
const rows = Number(process.argv[2] ?? 30000);
try {
  await makeTestModel({ output: '/tmp/tiny', preset: 'tiny' });
  for (const [spin, threads] of [['0', 2], ['1', 2]] as const) {
    process.env.PREPKIT_ORT_SPIN = spin;
    await generateTexts({ db: db.url, table: 'docs', rows, replace: true });
    const t = performance.now(); const c = process.cpuUsage();
    const r = await embedTable({ db: db.url, table: 'docs', model: '/tmp/tiny', threads });
    const cpu = process.cpuUsage(c);
    console.log(`spin=${spin} threads=${threads}: ${(performance.now() - t).toFixed(0)} ms, cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`, JSON.stringify(r.stageMs), (r.modelBusy*100).toFixed(0), "pipeline", r.wallMs.toFixed(0), "padded", r.paddedTokens, r.tokens);
  }
} finally { await db.drop(); await server.stop(); }
