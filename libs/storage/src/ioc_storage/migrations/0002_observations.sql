-- Observations: one row per accepted indicator event, partitioned by when the
-- figure was true. The producer's event_id is the idempotency key; the hypertable
-- requires the time column in every unique key, so the key is (event_id, observed_at).
CREATE TABLE ioc.observations (
    event_id        uuid NOT NULL,
    observed_at     timestamptz NOT NULL,
    indicator       text NOT NULL,
    scope           text NOT NULL,
    agency          text NOT NULL,
    value           double precision NOT NULL CHECK (value NOT IN ('NaN', 'Infinity', '-Infinity')),
    numerator       double precision,
    denominator     double precision CHECK (denominator IS NULL OR denominator > 0),
    reported_at     timestamptz,
    received_at     timestamptz NOT NULL DEFAULT now(),
    source          text,
    note            text,
    PRIMARY KEY (event_id, observed_at)
);

-- Indicator figures arrive daily to yearly: a 30-day chunk keeps a year of a
-- 1,000-indicator catalog in a dozen chunks and makes retention a chunk drop.
SELECT create_hypertable('ioc.observations', by_range('observed_at', INTERVAL '30 days'));

CREATE INDEX observations_series_idx ON ioc.observations (indicator, scope, observed_at DESC);
CREATE INDEX observations_agency_idx ON ioc.observations (agency, observed_at DESC);

-- The newest figure of each series. Updated only by a strictly newer observed_at,
-- so a late or replayed event never overwrites newer data.
CREATE TABLE ioc.latest_values (
    indicator       text NOT NULL,
    scope           text NOT NULL,
    observed_at     timestamptz NOT NULL,
    value           double precision NOT NULL,
    numerator       double precision,
    denominator     double precision,
    event_id        uuid NOT NULL,
    agency          text NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (indicator, scope)
);

-- Rollups by time_bucket without continuous aggregates (absent from the
-- Apache-licensed build): a plain function Grafana and the alert service share.
CREATE FUNCTION ioc.series_rollup(
    p_indicator text, p_scope text, p_bucket interval, p_from timestamptz, p_to timestamptz
) RETURNS TABLE (bucket timestamptz, last_value double precision, mean_value double precision,
                 sum_value double precision, samples bigint)
LANGUAGE sql STABLE AS $$
    SELECT time_bucket(p_bucket, o.observed_at) AS bucket,
           last(o.value, o.observed_at),
           avg(o.value),
           sum(o.value),
           count(*)
    FROM ioc.observations o
    WHERE o.indicator = p_indicator AND o.scope = p_scope
      AND o.observed_at >= p_from AND o.observed_at < p_to
    GROUP BY 1
    ORDER BY 1
$$;

-- Retention by dropping whole chunks; job policies are a Timescale-licensed
-- feature, so whoever schedules it (the aggregator, cron) calls this.
CREATE FUNCTION ioc.drop_observations_older_than(p_age interval)
RETURNS integer LANGUAGE sql AS $$
    SELECT count(*)::integer FROM drop_chunks('ioc.observations', older_than => now() - p_age)
$$;
