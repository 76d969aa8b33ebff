-- A deadline target's needed pace, its ratio R and its projection run from the pass's
-- instant, so they move a little at every pass: after 0020 those targets' status rows
-- were still written every minute (4,837 of 29,000 in the benchmark's catalog, 5 MB of
-- WAL a pass). A rate or projection that moved by less than a thousandth of itself is
-- the same judgment for every reader (the dashboards show two decimals, the messages
-- fewer); the row keeps the figures of the pass that last wrote it, and its
-- evaluated_at says when that was.

CREATE FUNCTION ioc.nearly_equal(a float8, b float8) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT a IS NOT DISTINCT FROM b
        OR (a IS NOT NULL AND b IS NOT NULL
            -- An infinite R (a gap too small to share out) equals only itself.
            AND abs(a) < 'Infinity'::float8 AND abs(b) < 'Infinity'::float8
            AND abs(a - b) <= 0.001 * greatest(abs(a), abs(b)))
$$;

REVOKE ALL ON FUNCTION ioc.nearly_equal(float8, float8) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ioc.nearly_equal(float8, float8) TO ioc_alerts;
