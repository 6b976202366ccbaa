-- Indexes for reply-chain traversal by @prepkit/discord-dataset.
-- Applied by `discord-dataset init-db <url>` after discord_schema.sql; also runs as is with
--   psql -v ON_ERROR_STOP=1 -d <database> -f sql_scripts/optimize_indexes.sql
-- On a large existing table, consider CREATE INDEX CONCURRENTLY (outside a transaction) instead.

-- Children of a message: `WHERE referenced_message_id = $1` (the naive strategy, once per message),
-- the recursive step of the CTE strategy, and the "is the parent in scope" anti-join. Most messages
-- reply to nothing, so the index leaves NULLs out and stays small.
CREATE INDEX IF NOT EXISTS messages_referenced_message_id_idx
  ON messages (referenced_message_id)
  WHERE referenced_message_id IS NOT NULL;

-- `--channel` and `--since/--until` selections.
CREATE INDEX IF NOT EXISTS messages_channel_id_created_at_idx
  ON messages (channel_id, created_at);

CREATE INDEX IF NOT EXISTS messages_created_at_idx
  ON messages (created_at);

ANALYZE messages;
