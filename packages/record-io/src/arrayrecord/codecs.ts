import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import * as zstd from '@bokuweb/zstd-wasm';
import snappy from 'snappyjs';

/** How a simple chunk's blocks are compressed (riegeli/chunk_encoding/compressor_options.h). */
export type Compression =
  | { readonly kind: 'uncompressed' }
  | { readonly kind: 'zstd'; readonly level: number; readonly windowLog?: number }
  | { readonly kind: 'brotli'; readonly level: number; readonly windowLog?: number }
  | { readonly kind: 'snappy' };

/** The compression_type byte of a simple chunk. */
export const COMPRESSION_BYTE = { uncompressed: 0x00, brotli: 0x62, zstd: 0x7a, snappy: 0x73 } as const;

let zstdReady: Promise<void> | undefined;
// One compression context per thread, reused: creating one per call costs a third of the time
// for ~1 KiB records, and the output is the same.
let zstdContext: number | undefined;
const NO_DICTIONARY = new Uint8Array(0);

/** Loads the zstd WebAssembly module (once per thread); compression and decompression need it. */
export function initCodecs(): Promise<void> {
  zstdReady ??= zstd.init();
  return zstdReady;
}

/** Compresses one block (zstd and brotli as one standard stream, snappy in the raw block format). */
export function compressBlock(compression: Compression, input: Uint8Array): Uint8Array {
  switch (compression.kind) {
    case 'uncompressed':
      return input;
    case 'zstd':
      // The zstd library picks the window for the input size; riegeli's decoder accepts any
      // standard frame, so window_log is recorded in the options string only.
      zstdContext ??= zstd.createCCtx();
      return zstd.compressUsingDict(zstdContext, input, NO_DICTIONARY, compression.level);
    case 'brotli': {
      const windowLog = compression.windowLog ?? 22;
      return brotliCompressSync(input, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: compression.level,
          [constants.BROTLI_PARAM_LGWIN]: windowLog,
          [constants.BROTLI_PARAM_LARGE_WINDOW]: windowLog > 24 ? 1 : 0,
          [constants.BROTLI_PARAM_SIZE_HINT]: input.length,
        },
      });
    }
    case 'snappy':
      return snappy.compress(input);
  }
}

/** Decompresses one block whose decompressed size (riegeli's varint prefix) is `size`. */
export function decompressBlock(compressionByte: number, input: Uint8Array, size: number): Uint8Array {
  switch (compressionByte) {
    case COMPRESSION_BYTE.uncompressed:
      return input;
    case COMPRESSION_BYTE.zstd:
      return size === 0 ? new Uint8Array(0) : zstd.decompress(input, { defaultHeapSize: size });
    case COMPRESSION_BYTE.brotli:
      return brotliDecompressSync(input, { params: { [constants.BROTLI_DECODER_PARAM_LARGE_WINDOW]: 1 } });
    case COMPRESSION_BYTE.snappy:
      return snappy.uncompress(input, size);
    default:
      throw new RangeError(`unknown compression type 0x${compressionByte.toString(16).padStart(2, '0')}`);
  }
}
