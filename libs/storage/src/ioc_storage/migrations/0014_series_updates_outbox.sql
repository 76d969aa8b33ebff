-- A transactional outbox for SeriesUpdated: the aggregator writes each batch's messages
-- in the same transaction as its rows, publishes them after the commit and forgets them
-- once Kafka acknowledged them. A message whose process died between the commit and the
-- acknowledgement (kill -9, a broker that refused it) stays here, and a relay in every
-- aggregator replica publishes it later: at least once, never lost.
CREATE TABLE ioc.series_updates_outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    indicator   text NOT NULL,
    scope       text NOT NULL,
    message     text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX series_updates_outbox_created_idx ON ioc.series_updates_outbox (created_at);

-- UPDATE only for the relay's row locks (SELECT … FOR UPDATE SKIP LOCKED).
GRANT SELECT, INSERT, UPDATE, DELETE ON ioc.series_updates_outbox TO ioc_writer;
GRANT SELECT ON ioc.series_updates_outbox TO ioc_reader;
