import { readFileSync } from 'node:fs';

/** This package's name and version, for manifests and `--version`. */
export const TOOL = Object.freeze(
  (() => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    return { name: 'discord-dataset', version: manifest.version };
  })(),
);
