-- Records the aggregator could neither store nor dead-letter (Kafka refused the bounded
-- DLQ copy after retries). The partition moves on; operators see them here, through
-- `ioc-dlq quarantine`, the ioc_aggregator_quarantined_total metric and its alert.
-- One row per source record: a record read again after a crash is not held twice.
CREATE TABLE ioc.quarantined_records (
    source_topic      text NOT NULL,
    source_partition  integer NOT NULL CHECK (source_partition >= 0),
    source_offset     bigint NOT NULL CHECK (source_offset >= 0),
    error_code        text NOT NULL,
    reason            text NOT NULL,
    -- Why the dead letter could not be written (Kafka's error).
    dead_letter_error text NOT NULL,
    original_size     integer NOT NULL CHECK (original_size >= 0),
    record_key        bytea,
    -- The bounded copy that Kafka refused: at most the first 16 KiB of the value.
    value_head        bytea NOT NULL,
    truncated         boolean NOT NULL,
    failed_at         timestamptz NOT NULL,
    quarantined_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_topic, source_partition, source_offset)
);

CREATE INDEX quarantined_records_quarantined_at ON ioc.quarantined_records (quarantined_at);

-- The aggregator only adds rows; operators and Grafana read them.
GRANT INSERT ON ioc.quarantined_records TO ioc_writer;
GRANT SELECT ON ioc.quarantined_records TO ioc_reader;
