-- Discord message history for @prepkit/discord-dataset.
-- Applied by `discord-dataset init-db <url>`; also runs as is with
--   psql -v ON_ERROR_STOP=1 -d <database> -f sql_scripts/discord_schema.sql
-- Idempotent: it creates what is missing and changes nothing that exists.
--
-- Snowflake ids are bigint (64-bit); clients must never read them into floating-point numbers.
-- There is deliberately no foreign key on referenced_message_id: replies to deleted messages, or to
-- messages in channels that were not exported, are normal data (the pipeline treats them as roots).

CREATE TABLE IF NOT EXISTS messages (
  id                    bigint      PRIMARY KEY,
  channel_id            bigint      NOT NULL,
  guild_id              bigint,                          -- NULL for direct messages
  author_id             bigint      NOT NULL,
  author_name           text        NOT NULL,            -- the account name
  author_nickname       text,                            -- the name shown in the guild, if any
  is_bot                boolean     NOT NULL DEFAULT false,
  content               text        NOT NULL DEFAULT '',
  created_at            timestamptz NOT NULL,
  edited_at             timestamptz,
  type                  text        NOT NULL DEFAULT 'Default', -- Default, Reply, ThreadCreated, GuildMemberJoin, ...
  referenced_message_id bigint,                          -- the message this one replies to
  forwarded_message_id  bigint,                          -- the message this one forwards (not a reply)
  mentions              jsonb       NOT NULL DEFAULT '[]'::jsonb -- [{"id","name","nickname",...}] as exported
);

-- One row per exported channel or thread.
CREATE TABLE IF NOT EXISTS channels (
  id          bigint PRIMARY KEY,
  guild_id    bigint,
  guild_name  text,
  name        text,
  type        text,
  category    text,
  topic       text
);
