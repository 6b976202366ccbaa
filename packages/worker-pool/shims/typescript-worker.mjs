// Loads a TypeScript worker module through tsx, for code run from source (tests, benchmarks):
// Node 20 ignores `--import` in a worker's execArgv, so the loader is registered here instead.
// The module to load travels in the worker's argv as `--prepkit-typescript-worker=<file URL>`.
// Plain JavaScript outside src/, so that it is the same file whether the pool runs from src/ or dist/.
import { register } from 'tsx/esm/api';

const FLAG = '--prepkit-typescript-worker=';
const target = process.argv.find((arg) => arg.startsWith(FLAG))?.slice(FLAG.length);
if (target === undefined) throw new Error(`typescript-worker: no ${FLAG} in the worker's argv`);
register();
const loaded = await import(target);
if (typeof loaded.default !== 'function') throw new Error(`${target} has no default export to run tasks`);

export default loaded.default;
