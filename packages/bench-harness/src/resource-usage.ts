/** Process-wide CPU time (every thread) and the peak resident set size so far. */
export interface ResourceSnapshot {
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  readonly peakRssBytes: number;
}

export function resourceSnapshot(): ResourceSnapshot {
  const usage = process.resourceUsage();
  return {
    cpuUserMs: usage.userCPUTime / 1000,
    cpuSystemMs: usage.systemCPUTime / 1000,
    // maxRSS is in KiB on every platform Node supports.
    peakRssBytes: usage.maxRSS * 1024,
  };
}
