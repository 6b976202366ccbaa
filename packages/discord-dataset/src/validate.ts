import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { InvalidOptionError, throwIfAborted } from '@prepkit/bench-harness/errors';

/** Whose rules a problem breaks: OpenAI chat fine-tuning, mlx-lm, strict alternation checkers (Together, chat templates). */
export type Consumer = 'openai' | 'mlx' | 'strict';
export const CONSUMERS: readonly Consumer[] = Object.freeze(['openai', 'mlx', 'strict']);

export type LineFormat = 'messages' | 'prompt-completion' | 'text';

export interface ValidationProblem {
  readonly file: string;
  /** 1-based; 0 for a problem of the whole file. */
  readonly line: number;
  readonly rule: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly consumers: readonly Consumer[];
}

/** min / median / p95 / max (nearest-rank percentiles) and mean over a file's examples. */
export interface Distribution {
  readonly min: number;
  readonly median: number;
  readonly p95: number;
  readonly max: number;
  readonly mean: number;
}

export interface FileValidation {
  readonly path: string;
  /** The format of the first line, which mlx-lm uses for the whole file. */
  readonly format: LineFormat | undefined;
  readonly examples: number;
  readonly errors: number;
  readonly warnings: number;
  /** Turns (messages) per example. */
  readonly turns: Distribution;
  /** Characters of content per example. */
  readonly characters: Distribution;
  /** Estimated tokens per example: characters / 4, rounded up (about right for English with GPT-style tokenizers). */
  readonly tokens: Distribution;
}

export interface ValidationReport {
  readonly ok: boolean;
  readonly files: readonly FileValidation[];
  /** The first `maxProblems` problems, in file and line order. */
  readonly problems: readonly ValidationProblem[];
  readonly errors: number;
  readonly warnings: number;
}

export interface ValidateOptions {
  /** Check only the rules of these consumers. Default: all three. */
  consumers?: readonly Consumer[];
  /** Problems kept in the report (all are counted). Default: 100. */
  maxProblems?: number;
  signal?: AbortSignal;
}

/** The defaults of `ValidateOptions`. */
export const DEFAULT_VALIDATE_OPTIONS = Object.freeze({ consumers: CONSUMERS, maxProblems: 100 });

const ROLES = new Set(['system', 'user', 'assistant']);
const OPENAI_MESSAGE_KEYS = new Set(['role', 'content', 'name', 'function_call', 'weight']);
const ALL: readonly Consumer[] = CONSUMERS;
/** OpenAI's minimum number of training examples. */
const OPENAI_MIN_EXAMPLES = 10;

/**
 * Checks fine-tuning JSONL files line by line against what consumers enforce (see
 * the package README, `validate`): every line one JSON object in one format (mlx-lm reads the format
 * from line 1 only); in chat files, known roles and keys, non-empty string contents, an assistant
 * turn; for strict checkers, an optional system message first, then user and assistant alternating,
 * ending with the assistant; no blank lines; a non-empty file. Reports problems with their line
 * numbers, and length statistics per file. Streams: files of any size.
 *
 * @example
 * const report = await validateJsonl(['out/train.jsonl', 'out/valid.jsonl']);
 * for (const p of report.problems) console.log(`${p.file}:${p.line}: ${p.message}`);
 */
export async function validateJsonl(
  paths: readonly string[],
  options: ValidateOptions = {},
): Promise<ValidationReport> {
  if (paths.length === 0) throw new InvalidOptionError('validate needs at least one file');
  const consumers = new Set(options.consumers ?? DEFAULT_VALIDATE_OPTIONS.consumers);
  for (const c of consumers) {
    if (!CONSUMERS.includes(c)) {
      throw new InvalidOptionError(
        `options.consumers must be among ${CONSUMERS.join(', ')} (got ${String(c)})`,
      );
    }
  }
  const maxProblems = options.maxProblems ?? DEFAULT_VALIDATE_OPTIONS.maxProblems;
  const problems: ValidationProblem[] = [];
  let errors = 0;
  let warnings = 0;
  const files: FileValidation[] = [];
  for (const path of paths) {
    await stat(path).catch((error: unknown) => {
      throw new InvalidOptionError(
        `${path}: cannot read (${(error as { code?: string }).code ?? String(error)})`,
      );
    });
    let fileErrors = 0;
    let fileWarnings = 0;
    const report = (
      line: number,
      rule: string,
      message: string,
      who: readonly Consumer[],
      severity: 'error' | 'warning' = 'error',
    ): void => {
      if (!who.some((c) => consumers.has(c))) return;
      if (severity === 'error') fileErrors++;
      else fileWarnings++;
      if (problems.length < maxProblems)
        problems.push({ file: path, line, rule, severity, message, consumers: who });
    };
    const turns: number[] = [];
    const characters: number[] = [];
    let format: LineFormat | undefined;
    let lineNo = 0;
    const lines = createInterface({
      input: createReadStream(path, { encoding: 'utf8' }),
      crlfDelay: Infinity,
    });
    for await (const line of lines) {
      lineNo++;
      if (lineNo % 10_000 === 0) throwIfAborted(options.signal, 'validate');
      const checked = checkLine(line, lineNo, format, report);
      if (checked === undefined) continue;
      format ??= checked.format;
      turns.push(checked.turns);
      characters.push(checked.characters);
    }
    if (lineNo === 0)
      report(0, 'empty-file', 'the file is empty (mlx-lm: "Validation set not found or empty")', ALL);
    else if (turns.length < OPENAI_MIN_EXAMPLES) {
      report(
        0,
        'few-examples',
        `${turns.length} example(s); OpenAI requires at least ${OPENAI_MIN_EXAMPLES}`,
        ['openai'],
        'warning',
      );
    }
    errors += fileErrors;
    warnings += fileWarnings;
    files.push({
      path,
      format,
      examples: turns.length,
      errors: fileErrors,
      warnings: fileWarnings,
      turns: distribution(turns),
      characters: distribution(characters),
      tokens: distribution(characters.map((c) => Math.ceil(c / 4))),
    });
  }
  return { ok: errors === 0, files, problems, errors, warnings };
}

type Report = (line: number, rule: string, message: string, who: readonly Consumer[]) => void;

/** Checks one line; returns its format and sizes when it is a usable example. */
function checkLine(
  line: string,
  n: number,
  fileFormat: LineFormat | undefined,
  report: Report,
): { format: LineFormat; turns: number; characters: number } | undefined {
  if (line.trim() === '') {
    report(n, 'blank-line', 'blank line (one JSON object per line; mlx-lm fails on it)', ALL);
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    report(
      n,
      'invalid-json',
      `not valid JSON (${error instanceof Error ? error.message : String(error)})`,
      ALL,
    );
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    report(n, 'not-object', 'each line must be a JSON object', ALL);
    return undefined;
  }
  const record = value as Record<string, unknown>;
  const present = (['messages', 'prompt', 'text'] as const).filter((k) => k in record);
  if (present.length === 0) {
    report(n, 'unknown-format', 'no "messages", "prompt"/"completion" or "text" key', ALL);
    return undefined;
  }
  if (present.length > 1) {
    report(n, 'ambiguous-format', `the line matches more than one format (${present.join(', ')})`, [
      'strict',
    ]);
  }
  const format: LineFormat =
    present[0] === 'messages' ? 'messages' : present[0] === 'prompt' ? 'prompt-completion' : 'text';
  if (fileFormat !== undefined && format !== fileFormat) {
    report(
      n,
      'mixed-formats',
      `format ${format} differs from line 1 (${fileFormat}); mlx-lm reads the format from line 1 only`,
      ['mlx', 'strict'],
    );
  }
  if (format === 'messages') return checkMessages(record.messages, n, report);
  if (format === 'prompt-completion') {
    const ok = nonEmptyString(record.prompt) && nonEmptyString(record.completion);
    if (!nonEmptyString(record.prompt)) report(n, 'empty-prompt', '"prompt" must be a non-empty string', ALL);
    if (!nonEmptyString(record.completion))
      report(n, 'empty-completion', '"completion" must be a non-empty string', ALL);
    return ok
      ? {
          format,
          turns: 2,
          characters: (record.prompt as string).length + (record.completion as string).length,
        }
      : undefined;
  }
  if (!nonEmptyString(record.text)) {
    report(n, 'empty-text', '"text" must be a non-empty string', ALL);
    return undefined;
  }
  return { format, turns: 1, characters: record.text.length };
}

function checkMessages(
  messages: unknown,
  n: number,
  report: Report,
): { format: 'messages'; turns: number; characters: number } | undefined {
  if (!Array.isArray(messages) || messages.length === 0) {
    report(n, 'missing-messages', '"messages" must be a non-empty array', ALL);
    return undefined;
  }
  let characters = 0;
  let assistants = 0;
  let previous: string | undefined;
  let bad = false;
  for (let i = 0; i < messages.length; i++) {
    const where = `message ${i + 1}`;
    const m: unknown = messages[i];
    if (typeof m !== 'object' || m === null || Array.isArray(m)) {
      report(n, 'message-not-object', `${where} is not an object`, ALL);
      bad = true;
      continue;
    }
    const msg = m as Record<string, unknown>;
    const role = msg.role;
    if (typeof role !== 'string') {
      report(n, 'missing-role', `${where} has no "role"`, ALL);
      bad = true;
      continue;
    }
    if (!ROLES.has(role))
      report(
        n,
        'unrecognized-role',
        `${where} has role ${JSON.stringify(role)} (system, user or assistant)`,
        ALL,
      );
    for (const key of Object.keys(msg)) {
      if (!OPENAI_MESSAGE_KEYS.has(key))
        report(n, 'unrecognized-key', `${where} has key ${JSON.stringify(key)}`, ['openai']);
    }
    if (typeof msg.content !== 'string') {
      report(n, 'missing-content', `${where} has no string "content"`, ALL);
      bad = true;
    } else {
      if (msg.content.trim() === '')
        report(n, 'empty-content', `${where} has empty content`, ['openai', 'strict']);
      characters += msg.content.length;
    }
    if ('weight' in msg && (role !== 'assistant' || (msg.weight !== 0 && msg.weight !== 1))) {
      report(n, 'bad-weight', `${where}: "weight" must be 0 or 1, on assistant messages only`, ['openai']);
    }
    if (role === 'assistant') assistants++;
    if (role === 'system' && i > 0)
      report(n, 'system-not-first', `${where}: a system message may only come first`, ['strict']);
    if (role !== 'system' && previous === undefined && role !== 'user') {
      report(
        n,
        'first-not-user',
        `${where}: the conversation must start with a user message (after an optional system message)`,
        ['strict'],
      );
    }
    if (previous !== undefined && previous === role) {
      report(n, 'not-alternating', `${where}: two ${role} messages in a row (roles must alternate)`, [
        'strict',
      ]);
    }
    if (role !== 'system') previous = role;
  }
  if (assistants === 0) report(n, 'no-assistant', 'no assistant message', ['openai', 'strict', 'mlx']);
  else if (previous !== 'assistant') {
    report(
      n,
      'last-not-assistant',
      'the last message is not an assistant message (mlx-lm --mask-prompt trains on the last message)',
      ['mlx', 'strict'],
    );
  }
  return bad ? undefined : { format: 'messages', turns: messages.length, characters };
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function distribution(values: number[]): Distribution {
  if (values.length === 0) return { min: 0, median: 0, p95: 0, max: 0, mean: 0 };
  const sorted = Float64Array.from(values).sort();
  const rank = (p: number): number => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    min: sorted[0]!,
    median: rank(0.5),
    p95: rank(0.95),
    max: sorted[sorted.length - 1]!,
    mean: sum / sorted.length,
  };
}
