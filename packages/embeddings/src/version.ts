import { createRequire } from 'node:module';

/** This package's version, for manifests and `--version`. */
export const PACKAGE_VERSION: string = (
  createRequire(import.meta.url)('../package.json') as { version: string }
).version;
