-- Audit retention: the ingest gateway appends one row per request, so the table grows
-- without bound. ioc_ingest may not delete rows itself (an intruder holding its
-- password could erase its own trail); it may call this function, which removes only
-- rows older than the retention asked for, and never anything younger than 30 days.
CREATE INDEX audit_log_at_idx ON ioc.audit_log (at);

CREATE FUNCTION ioc.prune_audit_log(keep interval, batch integer DEFAULT 10000)
RETURNS bigint
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, ioc
AS $$
    WITH gone AS (
        DELETE FROM ioc.audit_log
        WHERE id IN (
            SELECT id FROM ioc.audit_log
            WHERE at < now() - GREATEST(keep, interval '30 days')
            ORDER BY at
            LIMIT GREATEST(batch, 1)
        )
        RETURNING 1
    )
    SELECT count(*) FROM gone
$$;

REVOKE ALL ON FUNCTION ioc.prune_audit_log(interval, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ioc.prune_audit_log(interval, integer) TO ioc_ingest;
