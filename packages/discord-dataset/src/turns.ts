import type { FormatConfig } from './prepare-options.js';

export type Role = 'user' | 'assistant';

/** Consecutive messages of one role, merged; each message keeps its speaker. */
export interface Turn {
  readonly role: Role;
  readonly speakers: string[];
  readonly texts: string[];
}

/** The messages of one example, root first, as the formatting step receives them. */
export interface ChainMessages {
  readonly length: number;
  speaker(k: number): string;
  text(k: number): string;
  /** Same number ⇔ same author. */
  authorKey(k: number): number;
  /** The `--assistant-author` flag of message `k`. */
  isAssistantAuthor(k: number): boolean;
}

export type TurnsResult = { turns: Turn[] } | { skipped: 'short' | 'long' };

/**
 * Turns a chain into alternating turns:
 * - roles: the chain's last message is the assistant's; earlier messages by the same author are
 *   assistant turns, everyone else's are user turns. With `assistantAuthor`, that author's messages
 *   are the assistant's everywhere;
 * - consecutive messages of the same role merge into one turn (strict chat templates reject two
 *   user or two assistant turns in a row);
 * - leading assistant turns are dropped (conversations must start with a user turn);
 * - `maxTurns` keeps the last N turns, `maxChars` drops the oldest turns until the example fits;
 *   an example that cannot fit, or ends with fewer than `minTurns` turns, is skipped.
 */
export function buildTurns(chain: ChainMessages, config: FormatConfig): TurnsResult {
  const last = chain.length - 1;
  const finalAuthor = chain.authorKey(last);
  let turns: Turn[] = [];
  for (let k = 0; k <= last; k++) {
    const assistant = config.assistantAuthor
      ? chain.isAssistantAuthor(k)
      : chain.authorKey(k) === finalAuthor;
    const role: Role = assistant ? 'assistant' : 'user';
    const previous = turns[turns.length - 1];
    if (previous !== undefined && previous.role === role) {
      previous.speakers.push(chain.speaker(k));
      previous.texts.push(chain.text(k));
    } else {
      turns.push({ role, speakers: [chain.speaker(k)], texts: [chain.text(k)] });
    }
  }
  turns = dropLeadingAssistant(turns);
  if (config.maxTurns > 0 && turns.length > config.maxTurns) {
    turns = dropLeadingAssistant(turns.slice(turns.length - config.maxTurns));
  }
  if (config.maxChars > 0) {
    let total = 0;
    const sizes = turns.map((t) => turnContent(t, config).length);
    for (const size of sizes) total += size;
    let first = 0;
    while (total > config.maxChars && turns.length - first > 2) {
      total -= sizes[first++]!;
      if (turns[first]?.role === 'assistant') total -= sizes[first++]!;
    }
    if (total > config.maxChars) return { skipped: 'long' };
    turns = turns.slice(first);
  }
  if (turns.length < config.minTurns || turns[turns.length - 1]?.role !== 'assistant') {
    return { skipped: 'short' };
  }
  return { turns };
}

function dropLeadingAssistant(turns: Turn[]): Turn[] {
  let first = 0;
  while (turns[first]?.role === 'assistant') first++;
  return first === 0 ? turns : turns.slice(first);
}

/**
 * The content of a turn in the `messages` format: its messages joined by newlines; with
 * `speakerNames: 'prefix'`, each message of a user turn is written `name: text`.
 */
export function turnContent(turn: Turn, config: Pick<FormatConfig, 'speakerNames'>): string {
  if (turn.role === 'user' && config.speakerNames === 'prefix') {
    let out = '';
    for (let i = 0; i < turn.texts.length; i++)
      out += `${i === 0 ? '' : '\n'}${turn.speakers[i]!}: ${turn.texts[i]!}`;
    return out;
  }
  return turn.texts.join('\n');
}

/** A transcript of turns, one `name: text` line per message (text and prompt formats). */
export function transcript(turns: readonly Turn[]): string {
  const lines: string[] = [];
  for (const turn of turns) {
    for (let i = 0; i < turn.texts.length; i++) lines.push(`${turn.speakers[i]!}: ${turn.texts[i]!}`);
  }
  return lines.join('\n');
}
