#!/usr/bin/env node
// Checks every package under packages/: its package.json declares exactly the third-party and
// @prepkit packages that its shipped code (src/, shims/, bin/) imports (as dependencies or peerDependencies), and its
// packed tarball passes publint. Exit 1 with one line per problem.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g;
const problems = [];

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function packageOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const imported = new Set();
  // What the package ships as code: src/ (compiled to dist/) and plain-JS folders such as shims/ or bin/.
  const shipped = ['src', 'shims', 'bin'].map((d) => join(dir, d)).filter((d) => existsSync(d));
  for (const file of shipped.flatMap(sourceFiles)) {
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const pkg = packageOf(specifier);
      if (pkg !== undefined && pkg !== manifest.name) imported.add(pkg);
    }
  }
  const declared = new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
  for (const pkg of imported)
    if (!declared.has(pkg)) problems.push(`${manifest.name}: src imports ${pkg}, not in dependencies`);
  for (const pkg of declared)
    if (!imported.has(pkg)) problems.push(`${manifest.name}: depends on ${pkg}, which src never imports`);
  try {
    execFileSync('npx', ['publint', '--strict', dir], { cwd: root, stdio: 'pipe' });
  } catch (error) {
    problems.push(`${manifest.name}: publint: ${String(error.stdout).trim()}`);
  }
}

if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  process.exit(1);
}
console.log('packages: dependencies match src imports; publint found no problems');
