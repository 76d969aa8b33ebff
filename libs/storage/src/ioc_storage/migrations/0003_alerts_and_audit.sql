-- Alert lifecycle: firing -> acknowledged -> resolved, one open alert per target.
CREATE TABLE ioc.alerts (
    id                  uuid PRIMARY KEY,
    target              text NOT NULL REFERENCES ioc.targets (code),
    state               text NOT NULL CHECK (state IN ('firing', 'acknowledged', 'resolved')),
    risk_status         text NOT NULL,
    severity            text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    escalation_level    smallint NOT NULL DEFAULT 0,
    current_value       double precision,
    opened_at           timestamptz NOT NULL DEFAULT now(),
    acknowledged_at     timestamptz,
    acknowledged_by     text,
    resolved_at         timestamptz,
    last_notified_at    timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (state <> 'acknowledged' OR acknowledged_at IS NOT NULL),
    CHECK (state <> 'resolved' OR resolved_at IS NOT NULL)
);
CREATE UNIQUE INDEX alerts_one_open_per_target ON ioc.alerts (target) WHERE state <> 'resolved';
CREATE INDEX alerts_opened_idx ON ioc.alerts (opened_at DESC);

-- A notification is decided once and delivered at least once: the row is written
-- before the first attempt, every attempt is recorded, so a restart resumes
-- pending work instead of deciding (and sending) again.
CREATE TABLE ioc.notifications (
    id              uuid PRIMARY KEY,
    alert_id        uuid REFERENCES ioc.alerts (id),
    recipient       text NOT NULL REFERENCES ioc.recipients (id),
    channel         text NOT NULL CHECK (channel IN ('email', 'telegram', 'zalo', 'webhook')),
    kind            text NOT NULL CHECK (kind IN ('firing', 'repeat', 'escalation', 'resolved', 'digest')),
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'suppressed')),
    dedup_key       text NOT NULL UNIQUE,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    payload         jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX notifications_due_idx ON ioc.notifications (next_attempt_at) WHERE status = 'pending';

CREATE TABLE ioc.notification_attempts (
    notification_id uuid NOT NULL REFERENCES ioc.notifications (id) ON DELETE CASCADE,
    attempt         integer NOT NULL,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    outcome         text CHECK (outcome IN ('sent', 'retryable', 'permanent')),
    status_code     integer,
    error           text,
    PRIMARY KEY (notification_id, attempt)
);

-- Silences are written by operators; matching NULL means "any".
CREATE TABLE ioc.silences (
    id          uuid PRIMARY KEY,
    target      text REFERENCES ioc.targets (code) ON DELETE CASCADE,
    indicator   text REFERENCES ioc.indicators (code) ON DELETE CASCADE,
    scope       text,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    created_by  text NOT NULL,
    comment     text NOT NULL,
    CHECK (starts_at < ends_at)
);

-- Who sent what: one row per ingest request (HTTP or CSV upload).
CREATE TABLE ioc.audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    agency      text,
    credential  uuid,
    action      text NOT NULL,
    accepted    integer NOT NULL DEFAULT 0 CHECK (accepted >= 0),
    rejected    integer NOT NULL DEFAULT 0 CHECK (rejected >= 0),
    status_code integer,
    remote_addr text,
    detail      jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_agency_at_idx ON ioc.audit_log (agency, at DESC);
