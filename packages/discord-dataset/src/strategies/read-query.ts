/** What selects the messages of a run. */
export interface Selection {
  readonly channels: readonly string[];
  readonly since: string | undefined;
  readonly until: string | undefined;
  readonly assistantAuthor: string | undefined;
}

/**
 * The SQL shared by the three strategies: one SELECT list and one scope condition, with every user
 * value a `$n` parameter (COPY inlines them as quoted literals), so all three read the same rows.
 */
export interface ReadQuery {
  /** The columns a `MessageTable` is built from, read from table alias `a`. */
  select(a: string): string;
  /**
   * Just the id, for a statement that lists messages: with the assistant flag, so that every
   * parameter is used (PostgreSQL cannot type an unused one).
   */
  selectIds(a: string): string;
  /** The assistant flag on alias `a`, for a statement that must use every parameter but reads no message. */
  assistant(a: string): string;
  /** The selection (`--channel`, `--since`, `--until`) on alias `a`; `TRUE` when none. */
  scope(a: string): string;
  readonly params: readonly unknown[];
}

export function readQuery(selection: Selection): ReadQuery {
  const params: unknown[] = [];
  const param = (value: unknown, type: string): string => {
    params.push(value);
    return `$${params.length}::${type}`;
  };
  const channels =
    selection.channels.length === 0 ? undefined : param(`{${selection.channels.join(',')}}`, 'bigint[]');
  const since = selection.since === undefined ? undefined : param(selection.since, 'timestamptz');
  const until = selection.until === undefined ? undefined : param(selection.until, 'timestamptz');
  const author =
    selection.assistantAuthor === undefined ? undefined : param(selection.assistantAuthor, 'text');
  const assistant = (a: string): string =>
    author === undefined
      ? 'false AS assistant'
      : `coalesce(${a}.author_id::text = ${author} OR ${a}.author_name = ${author} OR ${a}.author_nickname = ${author}, false) AS assistant`;
  return {
    params,
    selectIds: (a) => `${a}.id, ${assistant(a)}`,
    assistant,
    select: (a) =>
      [
        `${a}.id`,
        `${a}.referenced_message_id AS parent_id`,
        `${a}.author_id`,
        `coalesce(${a}.author_nickname, ${a}.author_name) AS author_name`,
        `${a}.is_bot`,
        `${a}.type IN ('Default', 'Reply') AS chat`,
        assistant(a),
        `${a}.content`,
        `CASE WHEN strpos(${a}.content, '<@') > 0 THEN ${a}.mentions::text END AS mentions`,
      ].join(', '),
    scope: (a) => {
      const conditions: string[] = [];
      if (channels !== undefined) conditions.push(`${a}.channel_id = ANY(${channels})`);
      if (since !== undefined) conditions.push(`${a}.created_at >= ${since}`);
      if (until !== undefined) conditions.push(`${a}.created_at < ${until}`);
      return conditions.length === 0 ? 'TRUE' : conditions.join(' AND ');
    },
  };
}
