import type { FormatConfig } from './prepare-options.js';
import { isValidationThread } from './split.js';
import { cleanText } from './text.js';
import { buildTurns, transcript, turnContent } from './turns.js';
import type { ChainMessages, Turn } from './turns.js';

/**
 * A batch of examples for one formatting task: a small table of the messages they use, and each
 * example as a run of row numbers into it. A plain structured-clone message: it crosses threads.
 */
export interface FormatTask {
  readonly config: FormatConfig;
  readonly speakers: string[];
  /** Message texts with mentions already replaced. */
  readonly texts: string[];
  readonly authorKeys: Int32Array;
  readonly assistant: Uint8Array;
  /** For each example: its length, then its rows (root first). */
  readonly chains: Int32Array;
  /** The thread root's snowflake of each example (the split key). */
  readonly roots: string[];
}

/** A batch's JSONL lines for each file (UTF-8) and what happened to its examples. */
export interface FormatResult {
  readonly train: Uint8Array;
  readonly valid: Uint8Array;
  readonly trainExamples: number;
  readonly validExamples: number;
  /** Skipped: fewer than `minTurns` turns. */
  readonly tooShort: number;
  /** Skipped: longer than `maxChars` even after dropping old turns. */
  readonly tooLong: number;
  /** Turns written, summed over examples. */
  readonly turns: number;
  /** The lines of `train` by thread, in order: which root, how many lines, how many bytes. */
  readonly trainRuns: RootRun[];
  readonly validRuns: RootRun[];
}

/** Consecutive lines of one thread in a file: what shard files and their `.roots` indexes are cut by. */
export interface RootRun {
  readonly root: string;
  lines: number;
  bytes: number;
}

/**
 * Formats one batch: roles, merging and limits (`buildTurns`), the JSONL line of each example in
 * the configured format, and the train/valid split by thread root. Pure: the same task gives the
 * same bytes on any thread.
 */
export function formatBatch(task: FormatTask): FormatResult {
  const { config } = task;
  const train: string[] = [];
  const valid: string[] = [];
  const trainRuns: RootRun[] = [];
  const validRuns: RootRun[] = [];
  let tooShort = 0;
  let tooLong = 0;
  let turnCount = 0;
  let lastRoot = '';
  let lastValid = false;
  const chain = new ChainView(task);
  const chains = task.chains;
  let at = 0;
  for (let e = 0; e < task.roots.length; e++) {
    const length = chains[at]!;
    chain.reset(at + 1, length);
    at += 1 + length;
    const built = buildTurns(chain, config);
    if ('skipped' in built) {
      if (built.skipped === 'short') tooShort++;
      else tooLong++;
      continue;
    }
    const root = task.roots[e]!;
    if (root !== lastRoot) {
      lastRoot = root;
      lastValid = root === config.validRoot || isValidationThread(config.seed, root, config.validFraction);
    }
    const line = renderLine(built.turns, config);
    (lastValid ? valid : train).push(line);
    addToRun(lastValid ? validRuns : trainRuns, root, Buffer.byteLength(line, 'utf8') + 1);
    turnCount += built.turns.length;
  }
  return {
    train: encodeLines(train),
    valid: encodeLines(valid),
    trainExamples: train.length,
    validExamples: valid.length,
    tooShort,
    tooLong,
    turns: turnCount,
    trainRuns,
    validRuns,
  };
}

function addToRun(runs: RootRun[], root: string, bytes: number): void {
  const last = runs[runs.length - 1];
  if (last?.root === root) {
    last.lines++;
    last.bytes += bytes;
  } else runs.push({ root, lines: 1, bytes });
}

/** One JSONL line (without its newline) for an example. */
export function renderLine(turns: readonly Turn[], config: FormatConfig): string {
  switch (config.format) {
    case 'messages': {
      // Written by hand rather than stringifying an object per turn: the same bytes, fewer allocations.
      let line = '{"messages":[';
      for (let i = 0; i < turns.length; i++) {
        const turn = turns[i]!;
        line += `${i === 0 ? '' : ','}{"role":"${turn.role}","content":${JSON.stringify(turnContent(turn, config))}}`;
      }
      return `${line}]}`;
    }
    case 'prompt-completion': {
      const final = turns[turns.length - 1]!;
      const speaker = final.speakers[final.speakers.length - 1]!;
      return JSON.stringify({
        prompt: `${transcript(turns.slice(0, -1))}\n${speaker}:`,
        completion: ` ${final.texts.join('\n')}`,
      });
    }
    case 'text':
      return JSON.stringify({ text: transcript(turns) });
  }
}

function encodeLines(lines: string[]): Uint8Array {
  if (lines.length === 0) return new Uint8Array(0);
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

/** A window onto one example's rows of a task, without copying them. */
class ChainView implements ChainMessages {
  readonly #task: FormatTask;
  #start = 0;
  length = 0;

  constructor(task: FormatTask) {
    this.#task = task;
  }

  reset(start: number, length: number): void {
    this.#start = start;
    this.length = length;
  }

  #row(k: number): number {
    return this.#task.chains[this.#start + k]!;
  }

  speaker(k: number): string {
    return cleanText(this.#task.speakers[this.#row(k)]!);
  }

  text(k: number): string {
    return cleanText(this.#task.texts[this.#row(k)]!);
  }

  authorKey(k: number): number {
    return this.#task.authorKeys[this.#row(k)]!;
  }

  isAssistantAuthor(k: number): boolean {
    return this.#task.assistant[this.#row(k)] === 1;
  }
}
