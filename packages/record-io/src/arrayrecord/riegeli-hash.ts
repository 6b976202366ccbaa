import { WasmHighwayHash } from 'highwayhasher';

// Riegeli's HighwayHash key: the words 'Riegeli/', 'records\n' (twice) as little-endian bytes.
const RIEGELI_KEY = new TextEncoder().encode('Riegeli/records\nRiegeli/records\n');

/** HighwayHash-64 with the Riegeli key, as the 8 little-endian bytes stored in headers. */
export type RiegeliHash = (data: Uint8Array) => Uint8Array;

let loading: Promise<RiegeliHash> | undefined;

/**
 * Loads the hash once per thread: highwayhasher's Wasm build, on Node too. Its native addon
 * (0.4.4) kept ~330 bytes of memory per call that were never freed (measured: 1M hashes of 1 KB,
 * RSS +330 MB; the Wasm build stays flat), which over a million chunks grew every writer by
 * hundreds of MB; the Wasm hash also costs less per call (~0.4 µs for 1 KB).
 * Pinned by the official test vectors in the tests.
 */
export function loadRiegeliHash(): Promise<RiegeliHash> {
  loading ??= WasmHighwayHash.loadModule().then(
    (module) => (data: Uint8Array) => module.hash64(RIEGELI_KEY, data),
  );
  return loading;
}
