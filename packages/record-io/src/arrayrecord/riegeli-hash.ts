import { HighwayHash } from 'highwayhasher';

// Riegeli's HighwayHash key: the words 'Riegeli/', 'records\n' (twice) as little-endian bytes.
const RIEGELI_KEY = new TextEncoder().encode('Riegeli/records\nRiegeli/records\n');

/** HighwayHash-64 with the Riegeli key, as the 8 little-endian bytes stored in headers. */
export type RiegeliHash = (data: Uint8Array) => Uint8Array;

let loading: Promise<RiegeliHash> | undefined;

/**
 * Loads the hash (highwayhasher's native addon on Node, its Wasm build elsewhere) once per thread.
 * Pinned by the official test vectors in the tests.
 */
export function loadRiegeliHash(): Promise<RiegeliHash> {
  loading ??= HighwayHash.loadModule().then(
    (module) => (data: Uint8Array) => module.hash64(RIEGELI_KEY, data),
  );
  return loading;
}
