-- Reminders of the reporting calendar: who answers for reports (a recipient's agency and
-- duty) and which reminder was decided for which report, so that each is sent once.
--
-- No foreign key from recipients to agencies: the catalog sync replaces agencies before
-- recipients, and the loader already refuses a recipient of an unknown agency.
ALTER TABLE ioc.recipients
    ADD COLUMN agency text,
    ADD COLUMN duty text CHECK (duty IN ('data_officer', 'director', 'duty_desk')),
    ADD CONSTRAINT recipients_duty_fits_agency CHECK (
        (duty IS DISTINCT FROM 'duty_desk' OR agency IS NULL)
        AND (duty NOT IN ('data_officer', 'director') OR agency IS NOT NULL));

-- One row per agency, series, period and stage, inserted in the same transaction as its
-- notifications: the primary key is what makes a reminder decided once across restarts
-- and replicas (the loser of a race inserts nothing and queues nothing).
CREATE TABLE ioc.reporting_reminders (
    agency          text NOT NULL,
    indicator       text NOT NULL,
    scope           text NOT NULL,
    period_start    timestamptz NOT NULL,
    stage           text NOT NULL CHECK (stage IN ('due_soon', 'overdue', 'escalated')),
    period_end      timestamptz NOT NULL,
    due_at          timestamptz NOT NULL,
    decided_at      timestamptz NOT NULL,
    PRIMARY KEY (agency, indicator, scope, period_start, stage)
);
CREATE INDEX reporting_reminders_decided_idx ON ioc.reporting_reminders (decided_at DESC);

ALTER TABLE ioc.notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE ioc.notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('firing', 'changed', 'repeat', 'escalation', 'resolved', 'digest',
                    'reminder'));

GRANT SELECT, INSERT ON ioc.reporting_reminders TO ioc_alerts;
GRANT SELECT ON ioc.reporting_reminders TO ioc_reader;
