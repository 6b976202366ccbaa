import { isSnowflake } from './snowflake.js';

const USER_MENTION = /<@!?(\d{1,20})>/g;

/** What an unresolvable `<@id>` becomes: no snowflake leaks into training text. */
export const UNKNOWN_MENTION = '@unknown-user';

/**
 * Replaces Discord user mentions (`<@123>`, and the older nickname form `<@!123>`) with `@name`.
 * The name comes from the message's own `mentions` list as exported (nickname, else name), then
 * from `fallback` (the pipeline passes the latest name each author used in the selection); a
 * mention of no known user becomes `@unknown-user`. Role (`<@&id>`) and channel (`<#id>`) mentions
 * are left as they are.
 *
 * @example
 * replaceMentions('hi <@42>', '[{"id":"42","name":"ada"}]', () => undefined); // 'hi @ada'
 */
export function replaceMentions(
  content: string,
  mentionsJson: string | null,
  fallback: (id: string) => string | undefined,
): string {
  if (!content.includes('<@')) return content;
  let listed: Map<string, string> | undefined;
  return content.replace(USER_MENTION, (_match, id: string) => {
    listed ??= parseMentions(mentionsJson);
    const name = listed.get(id) ?? fallback(id);
    return name === undefined || name === '' ? UNKNOWN_MENTION : `@${name}`;
  });
}

function parseMentions(json: string | null): Map<string, string> {
  const names = new Map<string, string>();
  if (json === null) return names;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return names;
  }
  if (!Array.isArray(parsed)) return names;
  for (const entry of parsed as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { id, name, nickname } = entry as { id?: unknown; name?: unknown; nickname?: unknown };
    const shown = typeof nickname === 'string' && nickname !== '' ? nickname : name;
    if (typeof id === 'string' && typeof shown === 'string') names.set(id, shown);
  }
  return names;
}

/** The user ids that `<@id>` mentions in `texts` name (snowflakes only): whose latest names a shard looks up. */
export function mentionedUserIds(texts: Iterable<string>): string[] {
  const ids = new Set<string>();
  for (const text of texts) {
    if (!text.includes('<@')) continue;
    for (const match of text.matchAll(USER_MENTION)) if (isSnowflake(match[1]!)) ids.add(match[1]!);
  }
  return [...ids];
}
