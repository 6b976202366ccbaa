import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  InvalidOptionError,
  MANIFEST_FILE,
  ManifestError,
  ManifestMismatchError,
  assertVerified,
  readManifest,
  verify,
  writeJsonl,
  writeManifest,
} from '../src/index.js';
import { tempDir } from './helpers.js';

/** An output set: a JSONL file from the writer, a nested binary file, and its manifest. */
async function outputSet() {
  const dir = await tempDir();
  const jsonl = await writeJsonl(join(dir, 'train.jsonl'), [{ a: 1 }, { a: 2 }, { a: 3 }]);
  await mkdir(join(dir, 'shards'));
  await writeFile(join(dir, 'shards', 'x.bin'), Buffer.from([0, 1, 2, 3, 255]));
  const manifest = await writeManifest(dir, {
    tool: { name: 'probe-rows', version: '1.2.3' },
    config: {
      databaseUrl: 'postgres://app:hunter2@db.internal:5432/prod',
      password: 'hunter2',
      s3: { accessKeyId: 'AKIA', secretAccessKey: 'shh' },
      batchSize: 1000,
      maxTokens: 256,
    },
    inputs: ['postgres://reader:topsecret@db/x', { path: '/data/in.parquet' }],
    outputs: [jsonl, 'shards/x.bin'],
    phases: [
      { name: 'read', wallMs: 12.5, items: 3, unit: 'rows' },
      { name: 'write', wallMs: 3 },
    ],
  });
  return { dir, manifest };
}

describe('writeManifest', () => {
  it('records tool, redacted config, inputs, outputs with records/bytes/sha256, phases and peak RSS', async () => {
    const { dir, manifest } = await outputSet();
    const onDisk = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as unknown;
    expect(onDisk).toEqual(manifest);
    const jsonlBytes = await readFile(join(dir, 'train.jsonl'));
    expect(manifest).toMatchObject({
      manifestVersion: 1,
      tool: { name: 'probe-rows', version: '1.2.3' },
      config: {
        databaseUrl: 'postgres://app:***@db.internal:5432/prod',
        password: '***',
        s3: { accessKeyId: '***', secretAccessKey: '***' },
        batchSize: 1000,
        maxTokens: 256,
      },
      inputs: ['postgres://reader:***@db/x', { path: '/data/in.parquet' }],
      outputs: [
        {
          path: 'train.jsonl',
          records: 3,
          bytes: jsonlBytes.byteLength,
          sha256: createHash('sha256').update(jsonlBytes).digest('hex'),
        },
        {
          path: 'shards/x.bin',
          records: null,
          bytes: 5,
          sha256: createHash('sha256')
            .update(Buffer.from([0, 1, 2, 3, 255]))
            .digest('hex'),
        },
      ],
      phases: [
        { name: 'read', wallMs: 12.5, items: 3, unit: 'rows' },
        { name: 'write', wallMs: 3 },
      ],
    });
    expect(manifest.peakRssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(Date.parse(manifest.createdAt)).not.toBeNaN();
    const text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
    for (const secret of ['hunter2', 'topsecret', 'shh']) expect(text).not.toContain(secret);
  });

  it('is written atomically: no temporary file is left beside it', async () => {
    const { dir } = await outputSet();
    expect((await readdir(dir)).sort()).toEqual([MANIFEST_FILE, 'shards', 'train.jsonl']);
  });

  it('refuses outputs outside its directory, the manifest itself, and a missing tool', async () => {
    const dir = await tempDir();
    const tool = { name: 't', version: '1' };
    await expect(writeManifest(dir, { tool, outputs: ['../elsewhere.txt'] })).rejects.toThrow(
      InvalidOptionError,
    );
    await expect(writeManifest(dir, { tool, outputs: [MANIFEST_FILE] })).rejects.toThrow(
      /other than manifest.json/,
    );
    await expect(writeManifest(dir, { tool, outputs: ['missing.txt'] })).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await expect(
      writeManifest(dir, { tool: undefined as unknown as { name: string; version: string }, outputs: [] }),
    ).rejects.toThrow('options.tool must be { name, version } strings');
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('verify', () => {
  it('passes on an untouched output set', async () => {
    const { dir } = await outputSet();
    expect(await verify(dir)).toEqual({ dir, ok: true, checked: 2, problems: [] });
    await expect(assertVerified(dir)).resolves.toMatchObject({ tool: { name: 'probe-rows' } });
  });

  it('names a file whose bytes changed (one flipped byte, same size)', async () => {
    const { dir, manifest } = await outputSet();
    const path = join(dir, 'shards', 'x.bin');
    const bytes = await readFile(path);
    bytes[2] = bytes[2]! ^ 0x01;
    await writeFile(path, bytes);
    const report = await verify(dir);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      {
        file: 'shards/x.bin',
        problem: 'sha256',
        expected: manifest.outputs[1]!.sha256,
        actual: createHash('sha256').update(bytes).digest('hex'),
      },
    ]);
    const error = await assertVerified(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManifestMismatchError);
    expect(error).toMatchObject({ code: 'PREPKIT_MANIFEST_MISMATCH' });
    expect((error as Error).message).toMatch(
      /does not match its manifest.json: shards\/x.bin has sha256 [0-9a-f]{64}/,
    );
  });

  it('names missing and truncated files', async () => {
    const { dir, manifest } = await outputSet();
    await rm(join(dir, 'shards', 'x.bin'));
    await truncate(join(dir, 'train.jsonl'), 3);
    const report = await verify(dir);
    expect(report.problems).toEqual([
      { file: 'train.jsonl', problem: 'bytes', expected: manifest.outputs[0]!.bytes, actual: 3 },
      { file: 'shards/x.bin', problem: 'missing', expected: manifest.outputs[1]!.sha256 },
    ]);
    await expect(assertVerified(dir)).rejects.toThrow(
      `train.jsonl has 3 bytes, expected ${manifest.outputs[0]!.bytes}; shards/x.bin is missing`,
    );
  });

  it('says so when there is no manifest, or it is not one', async () => {
    const dir = await tempDir();
    await expect(verify(dir)).rejects.toThrow(ManifestError);
    await expect(verify(dir)).rejects.toThrow(/no manifest here: the output set is incomplete/);
    await writeFile(join(dir, MANIFEST_FILE), '{"tool": {}, "outputs": [{"path": 1}]}');
    await expect(readManifest(dir)).rejects.toMatchObject({ code: 'PREPKIT_MANIFEST_INVALID' });
    await writeFile(
      join(dir, MANIFEST_FILE),
      '{"tool": {}, "outputs": [{"path": "../x", "bytes": 1, "sha256": "a"}]}',
    );
    await expect(verify(dir)).rejects.toThrow(/points outside/);
  });
});
