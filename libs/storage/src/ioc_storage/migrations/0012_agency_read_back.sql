-- Agencies read back what they sent: the figures of record of their series with every
-- revision, and what became of each of their events (stored, refused and why, unknown).
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
