-- Figures of record, revisions and event identity.
--
-- A *figure* is (indicator, scope, observed_at). Every submission of it is a
-- *revision*, kept in ioc.observations (the ledger, one row per stored event). The
-- newest revision, by the revision order below, is the *figure of record*, kept in
-- ioc.figures: rollups, latest values, dashboards and the alert service read that.
--
-- Revision order: revised_at (the producer's reported_at, or the time the aggregator
-- first stored the event when the producer gave none), then received_at, then agency
-- and event_id. Every part is fixed when a revision is first stored, so replays and
-- out-of-order delivery always reach the same figure of record.
--
-- Identity: an event_id belongs to the agency that sent it. The key is (agency,
-- event_id) in ioc.event_ids, a plain table because a hypertable's unique keys must hold
-- the time column and the same id must not come back with another observed_at.

-- The ledger: every stored revision.
ALTER TABLE ioc.observations
    ADD COLUMN revised_at timestamptz,
    ADD COLUMN quality_flags jsonb NOT NULL DEFAULT '[]'::jsonb;
UPDATE ioc.observations SET revised_at = COALESCE(reported_at, received_at);
-- The default serves writers that give no reported_at (received_at defaults alike).
ALTER TABLE ioc.observations ALTER COLUMN revised_at SET NOT NULL,
    ALTER COLUMN revised_at SET DEFAULT now();
ALTER TABLE ioc.observations DROP CONSTRAINT observations_pkey;
ALTER TABLE ioc.observations ADD PRIMARY KEY (agency, event_id, observed_at);

CREATE TABLE ioc.event_ids (
    agency          text NOT NULL,
    event_id        uuid NOT NULL,
    observed_at     timestamptz NOT NULL,
    PRIMARY KEY (agency, event_id)
);
-- An agency that reused one id for two figures before this migration keeps both rows;
-- the id now names the first of them.
INSERT INTO ioc.event_ids (agency, event_id, observed_at)
SELECT DISTINCT ON (agency, event_id) agency, event_id, observed_at
FROM ioc.observations
ORDER BY agency, event_id, received_at, observed_at;
CREATE INDEX event_ids_observed_idx ON ioc.event_ids (observed_at);

-- The figure of record per (indicator, scope, observed_at).
CREATE TABLE ioc.figures (
    indicator       text NOT NULL,
    scope           text NOT NULL,
    observed_at     timestamptz NOT NULL,
    value           double precision NOT NULL,
    numerator       double precision,
    denominator     double precision,
    agency          text NOT NULL,
    event_id        uuid NOT NULL,
    reported_at     timestamptz,
    received_at     timestamptz NOT NULL,
    revised_at      timestamptz NOT NULL,
    quality_flags   jsonb NOT NULL DEFAULT '[]'::jsonb,
    PRIMARY KEY (indicator, scope, observed_at)
);
SELECT create_hypertable('ioc.figures', by_range('observed_at', INTERVAL '30 days'));
-- Flagged figures are few; operators list them by agency.
CREATE INDEX figures_flagged_idx ON ioc.figures (agency, observed_at DESC)
    WHERE quality_flags <> '[]'::jsonb;

INSERT INTO ioc.figures (indicator, scope, observed_at, value, numerator, denominator, agency,
                         event_id, reported_at, received_at, revised_at, quality_flags)
SELECT DISTINCT ON (indicator, scope, observed_at)
       indicator, scope, observed_at, value, numerator, denominator, agency, event_id,
       reported_at, received_at, revised_at, quality_flags
FROM ioc.observations
ORDER BY indicator, scope, observed_at,
         revised_at DESC, received_at DESC, agency DESC, event_id DESC;

-- Before this migration a tie on observed_at picked either row; now the figure of record.
UPDATE ioc.latest_values lv
SET value = f.value, numerator = f.numerator, denominator = f.denominator,
    event_id = f.event_id, agency = f.agency
FROM ioc.figures f
WHERE f.indicator = lv.indicator AND f.scope = lv.scope AND f.observed_at = lv.observed_at
  AND (f.event_id, f.agency) IS DISTINCT FROM (lv.event_id, lv.agency);

-- Rollups count each figure once, at its newest revision.
CREATE OR REPLACE FUNCTION ioc.series_rollup(
    p_indicator text, p_scope text, p_bucket interval, p_from timestamptz, p_to timestamptz
) RETURNS TABLE (bucket timestamptz, last_value double precision, mean_value double precision,
                 sum_value double precision, samples bigint)
LANGUAGE sql STABLE AS $$
    SELECT time_bucket(p_bucket, f.observed_at) AS bucket,
           last(f.value, f.observed_at),
           avg(f.value),
           sum(f.value),
           count(*)
    FROM ioc.figures f
    WHERE f.indicator = p_indicator AND f.scope = p_scope
      AND f.observed_at >= p_from AND f.observed_at < p_to
    GROUP BY 1
    ORDER BY 1
$$;

-- Retention drops whole chunks of both hypertables and the identities they held.
CREATE OR REPLACE FUNCTION ioc.drop_observations_older_than(p_age interval)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    dropped integer;
BEGIN
    SELECT count(*)::integer INTO dropped
    FROM drop_chunks('ioc.observations', older_than => now() - p_age);
    PERFORM drop_chunks('ioc.figures', older_than => now() - p_age);
    DELETE FROM ioc.event_ids WHERE observed_at < now() - p_age;
    RETURN dropped;
END
$$;

-- Every revision of every figure, with who sent it and whether it is the one of record:
-- "what did the dashboard show on 15/6, and who changed it?"
CREATE VIEW ioc.figure_revisions AS
SELECT o.indicator, o.scope, o.observed_at, o.value, o.numerator, o.denominator,
       o.agency, o.event_id, o.reported_at, o.received_at, o.revised_at, o.quality_flags,
       o.source, o.note,
       (f.agency = o.agency AND f.event_id = o.event_id) AS of_record,
       row_number() OVER (PARTITION BY o.indicator, o.scope, o.observed_at
                          ORDER BY o.revised_at, o.received_at, o.agency, o.event_id)
           AS revision
FROM ioc.observations o
LEFT JOIN ioc.figures f
  ON f.indicator = o.indicator AND f.scope = o.scope AND f.observed_at = o.observed_at;

-- The catalog: the earliest observed_at each indicator takes, and its data-quality checks.
ALTER TABLE ioc.indicators
    ADD COLUMN observed_since date NOT NULL DEFAULT DATE '2010-01-01',
    ADD COLUMN quality jsonb NOT NULL DEFAULT '{}'::jsonb;

-- What is stored under some agencies' event ids: the gateway names the conflicting field
-- of a re-sent id before publishing it, without any other right on the ledger.
CREATE FUNCTION ioc.stored_events(p_agencies text[], p_event_ids uuid[])
RETURNS TABLE (agency text, event_id uuid, indicator text, scope text,
               observed_at timestamptz, value double precision, numerator double precision,
               denominator double precision, source text, note text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT e.agency, e.event_id, o.indicator, o.scope, o.observed_at, o.value, o.numerator,
           o.denominator, o.source, o.note
    FROM unnest(p_agencies, p_event_ids) AS k(agency, event_id)
    JOIN ioc.event_ids e ON e.agency = k.agency AND e.event_id = k.event_id
    LEFT JOIN ioc.observations o
      ON o.agency = e.agency AND o.event_id = e.event_id AND o.observed_at = e.observed_at
$$;
REVOKE ALL ON FUNCTION ioc.stored_events(text[], uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ioc.stored_events(text[], uuid[]) TO ioc_writer, ioc_ingest;

GRANT SELECT, INSERT ON ioc.event_ids TO ioc_writer;
GRANT SELECT, INSERT, UPDATE ON ioc.figures TO ioc_writer;
GRANT SELECT ON ioc.figures TO ioc_alerts;
GRANT SELECT ON ioc.figures, ioc.event_ids, ioc.figure_revisions TO ioc_reader;
