-- Agencies read back what they sent (the figures of record of their series with every
-- revision, and what became of each of their events: stored, refused and why, unknown);
-- and the reporting calendar (each indicator's due day, who reported on time).
--
-- Refusals: the aggregator records each dead letter it can attribute (the record parsed
-- far enough to name an agency and an event_id) here, before it hands the dead letter to
-- Kafka and before it commits the offsets, keyed by the Kafka position it was read from,
-- so a batch read again records nothing twice. The DLQ topic stays the place to replay
-- from; this table is what the gateway can ask by (agency, event_id) without scanning a
-- topic of 30 days.
CREATE TABLE ioc.refused_events (
    source_topic        text NOT NULL,
    source_partition    integer NOT NULL,
    source_offset       bigint NOT NULL,
    agency              text NOT NULL,
    event_id            uuid NOT NULL,
    error_code          text NOT NULL,
    reason              text NOT NULL,
    refused_at          timestamptz NOT NULL,
    PRIMARY KEY (source_topic, source_partition, source_offset)
);
CREATE INDEX refused_events_event_idx ON ioc.refused_events (agency, event_id, refused_at DESC);
CREATE INDEX refused_events_age_idx ON ioc.refused_events (refused_at);

-- Kept as long as the DLQ keeps its letters (30 days), by the same scheduler that calls
-- ioc.drop_observations_older_than.
CREATE FUNCTION ioc.drop_refusals_older_than(p_age interval)
RETURNS integer LANGUAGE sql AS $$
    WITH dropped AS (
        DELETE FROM ioc.refused_events WHERE refused_at < now() - p_age RETURNING 1
    )
    SELECT count(*)::integer FROM dropped
$$;
REVOKE ALL ON FUNCTION ioc.drop_refusals_older_than(interval) FROM PUBLIC;

-- The figures of record of one series, newest first (at most p_limit figures observed in
-- [p_from, p_to)), each with every revision in revision order. Empty unless the catalog
-- grants the series to p_agency. Another agency's revision shows who sent it, not its
-- event_id: ids are each agency's own.
CREATE FUNCTION ioc.agency_series_revisions(
    p_agency text, p_indicator text, p_scope text,
    p_from timestamptz, p_to timestamptz, p_limit integer
) RETURNS TABLE (observed_at timestamptz, revision bigint, of_record boolean,
                 value double precision, numerator double precision,
                 denominator double precision, agency text, event_id uuid,
                 reported_at timestamptz, received_at timestamptz, revised_at timestamptz,
                 quality_flags jsonb, source text, note text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    WITH shown AS (
        SELECT f.observed_at, f.agency, f.event_id
        FROM ioc.figures f
        WHERE f.indicator = p_indicator AND f.scope = p_scope
          AND f.observed_at >= p_from AND f.observed_at < p_to
          AND EXISTS (SELECT 1 FROM ioc.publish_grants g
                      WHERE g.agency = p_agency AND g.indicator = p_indicator
                        AND g.scope = p_scope)
        ORDER BY f.observed_at DESC
        LIMIT p_limit
    )
    SELECT o.observed_at,
           row_number() OVER (PARTITION BY o.observed_at
                              ORDER BY o.revised_at, o.received_at, o.agency, o.event_id),
           (o.agency = s.agency AND o.event_id = s.event_id),
           o.value, o.numerator, o.denominator, o.agency,
           CASE WHEN o.agency = p_agency THEN o.event_id END,
           o.reported_at, o.received_at, o.revised_at, o.quality_flags, o.source, o.note
    FROM shown s
    JOIN ioc.observations o
      ON o.indicator = p_indicator AND o.scope = p_scope AND o.observed_at = s.observed_at
    ORDER BY o.observed_at DESC, 2
$$;
REVOKE ALL ON FUNCTION ioc.agency_series_revisions(text, text, text, timestamptz, timestamptz,
                                                   integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ioc.agency_series_revisions(text, text, text, timestamptz,
                                                      timestamptz, integer) TO ioc_ingest;

-- What one agency's event became: at most one 'stored' row (with the figure of record it
-- belongs to, so a correction can be seen to have taken effect or not) and the latest
-- refusals of that id (a re-sent copy with other content is refused after the first was
-- stored). Nothing for another agency's id.
CREATE FUNCTION ioc.agency_event(p_agency text, p_event_id uuid, p_refusals integer)
RETURNS TABLE (outcome text, indicator text, scope text, observed_at timestamptz,
               value double precision, numerator double precision,
               denominator double precision, reported_at timestamptz,
               received_at timestamptz, revised_at timestamptz, quality_flags jsonb,
               of_record boolean, record_value double precision, record_agency text,
               record_revised_at timestamptz, error_code text, reason text,
               refused_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    (SELECT 'stored', o.indicator, o.scope, o.observed_at, o.value, o.numerator,
            o.denominator, o.reported_at, o.received_at, o.revised_at, o.quality_flags,
            (f.agency = o.agency AND f.event_id = o.event_id), f.value, f.agency,
            f.revised_at, NULL, NULL, NULL::timestamptz
     FROM ioc.event_ids e
     JOIN ioc.observations o
       ON o.agency = e.agency AND o.event_id = e.event_id AND o.observed_at = e.observed_at
     LEFT JOIN ioc.figures f
       ON f.indicator = o.indicator AND f.scope = o.scope AND f.observed_at = o.observed_at
     WHERE e.agency = p_agency AND e.event_id = p_event_id)
    UNION ALL
    (SELECT 'refused', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
            NULL, NULL, NULL, r.error_code, r.reason, r.refused_at
     FROM ioc.refused_events r
     WHERE r.agency = p_agency AND r.event_id = p_event_id
     ORDER BY r.refused_at DESC, r.source_offset DESC
     LIMIT p_refusals)
$$;
REVOKE ALL ON FUNCTION ioc.agency_event(text, uuid, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ioc.agency_event(text, uuid, integer) TO ioc_ingest;

GRANT SELECT, INSERT ON ioc.refused_events TO ioc_writer;
GRANT SELECT ON ioc.refused_events TO ioc_reader;

-- The reporting calendar: each indicator's figure for a period is due by the end of its
-- due day after the period ends (Vietnam time); the catalog sets it, by cadence unless
-- the indicator says otherwise (ioc_catalog.calendar holds the same rules in Python).
ALTER TABLE ioc.indicators ADD COLUMN due_day integer NOT NULL DEFAULT 5
    CHECK (due_day BETWEEN 1 AND 90);
UPDATE ioc.indicators SET due_day = CASE cadence WHEN 'daily' THEN 1 WHEN 'weekly' THEN 2
    WHEN 'monthly' THEN 5 WHEN 'quarterly' THEN 10 ELSE 15 END;

-- Who reported on time, per agency, series and period starting in [p_from, p_to): the
-- first revision received (received_at: the IOC's clock, not the agency's claim) decides
-- on_time or late; none by the due moment is missing, none before it pending. A series
-- is answered for by the agency whose own scope it is, else by every agency granted it
-- (the province's and district-wide figures).
CREATE FUNCTION ioc.reporting_compliance(
    p_from timestamptz, p_to timestamptz, p_now timestamptz DEFAULT now()
) RETURNS TABLE (agency text, indicator text, scope text, cadence text,
                 period_start timestamptz, period_end timestamptz, due_at timestamptz,
                 first_received_at timestamptz, status text)
LANGUAGE sql STABLE AS $$
    WITH answerable AS (
        SELECT g.agency, g.indicator, g.scope, i.cadence, i.due_day,
               CASE i.cadence WHEN 'daily' THEN 'day' WHEN 'weekly' THEN 'week'
                   WHEN 'monthly' THEN 'month' WHEN 'quarterly' THEN 'quarter'
                   ELSE 'year' END AS unit,
               CASE i.cadence WHEN 'daily' THEN interval '1 day'
                   WHEN 'weekly' THEN interval '7 days' WHEN 'monthly' THEN interval '1 month'
                   WHEN 'quarterly' THEN interval '3 months' ELSE interval '1 year' END AS step
        FROM ioc.publish_grants g
        JOIN ioc.indicators i ON i.code = g.indicator
        WHERE g.scope = g.agency
           OR NOT EXISTS (SELECT 1 FROM ioc.publish_grants own
                          WHERE own.indicator = g.indicator AND own.scope = g.scope
                            AND own.agency = own.scope)
    ),
    periods AS (
        SELECT a.agency, a.indicator, a.scope, a.cadence, p.local_start,
               p.local_start AT TIME ZONE 'Asia/Ho_Chi_Minh' AS period_start,
               (p.local_start + a.step) AT TIME ZONE 'Asia/Ho_Chi_Minh' AS period_end,
               (p.local_start + a.step + make_interval(days => a.due_day))
                   AT TIME ZONE 'Asia/Ho_Chi_Minh' AS due_at
        FROM answerable a,
             LATERAL generate_series(
                 date_trunc(a.unit, p_from AT TIME ZONE 'Asia/Ho_Chi_Minh'),
                 (p_to AT TIME ZONE 'Asia/Ho_Chi_Minh') - interval '1 microsecond',
                 a.step) AS p(local_start)
        WHERE p.local_start AT TIME ZONE 'Asia/Ho_Chi_Minh' >= p_from
    ),
    -- One pass over the ledger (a year past p_to covers the last period's end), grouped
    -- by period, rather than one look-up per period.
    received AS (
        SELECT o.indicator, o.scope,
               date_trunc(u.unit, o.observed_at AT TIME ZONE 'Asia/Ho_Chi_Minh') AS local_start,
               min(o.received_at) AS first_received_at
        FROM ioc.observations o
        JOIN (SELECT DISTINCT indicator, unit FROM answerable) u ON u.indicator = o.indicator
        WHERE o.observed_at >= p_from AND o.observed_at < p_to + interval '1 year'
          AND o.received_at <= p_now
        GROUP BY 1, 2, 3
    ),
    judged AS (
        SELECT p.*, r.first_received_at
        FROM periods p
        LEFT JOIN received r
          ON r.indicator = p.indicator AND r.scope = p.scope AND r.local_start = p.local_start
    )
    SELECT r.agency, r.indicator, r.scope, r.cadence, r.period_start, r.period_end, r.due_at,
           r.first_received_at,
           CASE WHEN r.first_received_at IS NOT NULL
                THEN CASE WHEN r.first_received_at <= r.due_at THEN 'on_time' ELSE 'late' END
                WHEN p_now > r.due_at THEN 'missing'
                ELSE 'pending' END
    FROM judged r
$$;
REVOKE ALL ON FUNCTION ioc.reporting_compliance(timestamptz, timestamptz, timestamptz)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ioc.reporting_compliance(timestamptz, timestamptz, timestamptz)
    TO ioc_reader, ioc_alerts;
