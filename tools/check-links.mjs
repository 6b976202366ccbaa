#!/usr/bin/env node
// Checks that the Markdown users read (README.md, docs/, packages/*/README.md) links only to files and folders
// that exist inside this repository, and never mentions ../shared, which users do not have.
// Usage: node tools/check-links.mjs   (exit 1 and one line per problem if any)
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** README.md, every Markdown file under docs/, and each package's README. */
function markdownFiles() {
  const files = ['README.md'];
  const walk = (dir) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) files.push(path);
    }
  };
  if (existsSync(join(root, 'docs'))) walk('docs');
  for (const pkg of readdirSync(join(root, 'packages')).sort()) {
    const readme = join('packages', pkg, 'README.md');
    if (existsSync(join(root, readme))) files.push(readme);
  }
  return files;
}

// Inline links and images: [text](target "title"), ![alt](<target>); and reference definitions: [id]: target.
const INLINE = /!?\[[^\]]*\]\(\s*(<[^>]*>|[^)\s]*)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g;
const DEFINITION = /^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/;
const URL = /^(?:https?:|mailto:)/i;

/** Why `target`, linked from `file`, is broken; undefined when it is fine. */
function problem(file, target) {
  if (URL.test(target)) return undefined;
  if (/^[a-z][a-z0-9+.-]*:/i.test(target))
    return 'not an http(s) or mailto URL, nor a path in the repository';
  const path = decodeURIComponent(target.replace(/[#?].*$/, ''));
  if (path === '') return undefined; // an anchor in the same file
  const resolved = path.startsWith('/') ? join(root, path) : resolve(root, dirname(file), path);
  const inside = relative(root, resolved);
  if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) return 'leaves the repository';
  if (!existsSync(resolved)) return 'no such file or folder';
  return undefined;
}

/** The line with inline code spans blanked out, so that `[a](b)` written as code is not a link. */
function withoutCode(line) {
  return line.replace(/(`+)[\s\S]*?\1/g, (span) => ' '.repeat(span.length));
}

const problems = [];
let links = 0;
const files = markdownFiles();
for (const file of files) {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  let fence;
  lines.forEach((line, index) => {
    const where = `${file}:${index + 1}`;
    if (line.includes('../shared')) problems.push(`${where}: ../shared -> users do not have it`);
    const opening = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (opening) {
      if (fence === undefined) fence = opening[1];
      else if (opening[1][0] === fence[0] && opening[1].length >= fence.length) fence = undefined;
      return;
    }
    if (fence !== undefined) return;
    const text = withoutCode(line);
    const targets = [...text.matchAll(INLINE)].map((m) => m[1]);
    const definition = DEFINITION.exec(text);
    if (definition) targets.push(definition[1]);
    for (const raw of targets) {
      const target = raw.replace(/^<|>$/g, '');
      links++;
      const why = problem(file, target);
      if (why) problems.push(`${where}: ${target} -> ${why}`);
    }
  });
}

if (problems.length > 0) {
  for (const line of problems) console.log(line);
  process.exit(1);
}
console.log(`links OK: ${links} links in ${files.length} Markdown files resolve inside the repository`);
