-- A transactional outbox for SeriesUpdated: the aggregator writes each batch's messages
-- in the same transaction as its rows, publishes them after the commit and forgets them
-- once Kafka acknowledged them. Messages whose process died between the commit and the
-- acknowledgement (kill -9, a broker that refused them) stay here, and a relay in every
-- aggregator replica publishes them later: at least once, never lost.
-- One row per batch (a JSON array of its messages): a batch touches hundreds of series,
-- and one insert and one delete per batch keep the outbox off the hot path's bill.
CREATE TABLE ioc.series_updates_outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    messages    jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX series_updates_outbox_created_idx ON ioc.series_updates_outbox (created_at);

-- UPDATE only for the relay's row locks (SELECT … FOR UPDATE SKIP LOCKED).
GRANT SELECT, INSERT, UPDATE, DELETE ON ioc.series_updates_outbox TO ioc_writer;
GRANT SELECT ON ioc.series_updates_outbox TO ioc_reader;
