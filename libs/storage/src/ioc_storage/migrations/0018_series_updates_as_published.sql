-- The SeriesUpdated outbox holds each message as the bytes Kafka receives (JSON text),
-- not as one jsonb document: the aggregator serialises a message once, writes it here
-- and publishes the same text, and the server neither parses nor re-renders it. The
-- rows are written once and deleted within seconds, so they are stored uncompressed
-- (compressing a batch's few hundred KiB cost more than keeping it for those seconds).
ALTER TABLE ioc.series_updates_outbox ADD COLUMN payloads text[];
UPDATE ioc.series_updates_outbox o
SET payloads = ARRAY(SELECT m::text FROM jsonb_array_elements(o.messages) AS m);
ALTER TABLE ioc.series_updates_outbox DROP COLUMN messages;
ALTER TABLE ioc.series_updates_outbox ALTER COLUMN payloads SET NOT NULL;
ALTER TABLE ioc.series_updates_outbox ALTER COLUMN payloads SET STORAGE EXTERNAL;
