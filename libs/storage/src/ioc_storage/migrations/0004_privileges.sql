-- Least privilege. The roles themselves are created by `ioc-db bootstrap` (that
-- needs a superuser); here their owner grants each exactly what its service does.
REVOKE ALL ON SCHEMA ioc FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA ioc FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ioc FROM PUBLIC;
GRANT USAGE ON SCHEMA ioc TO ioc_writer, ioc_ingest, ioc_alerts, ioc_reader;

-- Every service reads the catalog; none changes it.
GRANT SELECT ON ioc.domains, ioc.agencies, ioc.indicators, ioc.publish_grants,
    ioc.recipients, ioc.targets, ioc.target_escalations
    TO ioc_writer, ioc_ingest, ioc_alerts, ioc_reader;

-- Aggregator: appends observations, maintains the latest values. No DELETE.
GRANT SELECT, INSERT ON ioc.observations TO ioc_writer;
GRANT SELECT, INSERT, UPDATE ON ioc.latest_values TO ioc_writer;

-- Ingest: checks API keys and writes the audit trail.
GRANT SELECT ON ioc.agency_credentials TO ioc_ingest;
GRANT INSERT ON ioc.audit_log TO ioc_ingest;

-- Alerts: reads the series, owns the alert lifecycle and notification ledger.
GRANT SELECT ON ioc.observations, ioc.latest_values TO ioc_alerts;
GRANT SELECT, INSERT, UPDATE ON ioc.alerts, ioc.notifications, ioc.notification_attempts,
    ioc.silences TO ioc_alerts;
GRANT EXECUTE ON FUNCTION ioc.series_rollup(text, text, interval, timestamptz, timestamptz)
    TO ioc_alerts, ioc_reader;

-- Grafana: reads everything operators look at, never the key hashes.
GRANT SELECT ON ioc.observations, ioc.latest_values, ioc.alerts, ioc.notifications,
    ioc.notification_attempts, ioc.silences, ioc.audit_log TO ioc_reader;
