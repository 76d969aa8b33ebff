-- The latest assessment of every target: what the alert service concluded, and
-- why. Grafana's "targets at risk" view reads it; hysteresis starts from it.
CREATE TABLE ioc.target_status (
    target          text PRIMARY KEY REFERENCES ioc.targets (code) ON DELETE CASCADE,
    status          text NOT NULL,
    ratio           double precision,
    observed_rate   double precision,
    required_rate   double precision,
    current_value   double precision,
    current_at      timestamptz,
    projected_value double precision,
    eta             date,
    reason_vi       text NOT NULL DEFAULT '',
    reason_en       text NOT NULL DEFAULT '',
    evaluated_at    timestamptz NOT NULL
);

-- A state change is written here in the same transaction as the alert itself and
-- published to ioc.alerts afterwards, so a crash in between loses nothing.
CREATE TABLE ioc.alert_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id        uuid NOT NULL REFERENCES ioc.alerts (id),
    payload         jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    published_at    timestamptz
);
CREATE INDEX alert_outbox_pending_idx ON ioc.alert_outbox (id) WHERE published_at IS NULL;

-- "changed": the status moved within the bad bands while the alert stayed open.
ALTER TABLE ioc.notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE ioc.notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('firing', 'changed', 'repeat', 'escalation', 'resolved', 'digest'));
CREATE INDEX notifications_alert_idx ON ioc.notifications (alert_id);

GRANT SELECT, INSERT, UPDATE ON ioc.target_status, ioc.alert_outbox TO ioc_alerts;
GRANT SELECT ON ioc.target_status, ioc.alert_outbox TO ioc_reader;
