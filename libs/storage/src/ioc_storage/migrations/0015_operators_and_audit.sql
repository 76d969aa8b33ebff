-- Operators: personal accounts with a role, personal API tokens (stored hashed), and an
-- audit trail that names the real actor of every acknowledgement, silence, credential
-- change and catalog load.

-- An operator account. Roles: viewer (reads), operator (also acknowledges and
-- silences), admin (also reads the audit trail and the accounts). Accounts are never
-- deleted, only disabled, so the audit trail always names someone who existed.
CREATE TABLE ioc.operators (
    name            text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9._-]{1,62}$'),
    display_name    text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    role            text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    disabled_at     timestamptz
);

-- A personal API token reads `iocop_<prefix>_<secret>`; only the SHA-256 of the whole
-- token is stored (the secret is 32 random bytes: nothing to guess, so a fast hash keeps
-- the per-request lookup an index probe). The prefix names it in listings and the trail.
CREATE TABLE ioc.operator_tokens (
    id              uuid PRIMARY KEY,
    operator        text NOT NULL REFERENCES ioc.operators (name),
    token_prefix    text NOT NULL UNIQUE,
    token_hash      text NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz,
    comment         text
);
CREATE INDEX operator_tokens_operator_idx ON ioc.operator_tokens (operator);

-- The audit log gains the actor (an operator's name, a leader's recipient id, the system
-- user who ran ioc-db; ingest's rows keep naming the agency in `agency`), the kind of
-- actor, and what was acted upon.
ALTER TABLE ioc.audit_log
    ADD COLUMN actor text,
    ADD COLUMN actor_kind text
        CHECK (actor_kind IN ('agency', 'operator', 'bootstrap', 'recipient', 'cli')),
    ADD COLUMN subject text;
CREATE INDEX audit_log_actor_at_idx ON ioc.audit_log (actor, at DESC) WHERE actor IS NOT NULL;
CREATE INDEX audit_log_action_at_idx ON ioc.audit_log (action, at DESC);

-- Silences can be listed and ended early. Ending sets `ends_at` to the moment it ended
-- (or to `starts_at` for one that had not begun: an empty window, which matches
-- nothing), so every reader of silences keeps its `starts_at <= now < ends_at` test.
ALTER TABLE ioc.silences
    ADD COLUMN created_at timestamptz,
    ADD COLUMN ended_at timestamptz,
    ADD COLUMN ended_by text,
    DROP CONSTRAINT silences_check,
    ADD CONSTRAINT silences_window CHECK (starts_at <= ends_at),
    ADD CONSTRAINT silences_ended CHECK ((ended_at IS NULL) = (ended_by IS NULL));
CREATE INDEX silences_ends_idx ON ioc.silences (ends_at DESC);

-- The audit trail: the audit log, plus every revision of a figure that replaced an
-- earlier one (a correction). Revisions are not copied into the log: the ledger already
-- records who sent each one and when, and copying would put a second write on the
-- aggregator's critical path. A first report of a figure is not a revision; ingest's
-- request rows and the ledger already hold it.
CREATE VIEW ioc.audit_trail AS
SELECT l.at,
       l.action,
       COALESCE(l.actor, l.agency) AS actor,
       COALESCE(l.actor_kind, CASE WHEN l.agency IS NOT NULL THEN 'agency' END) AS actor_kind,
       l.subject,
       l.status_code,
       l.remote_addr,
       l.detail || jsonb_strip_nulls(jsonb_build_object(
           'accepted', NULLIF(l.accepted, 0), 'rejected', NULLIF(l.rejected, 0))) AS detail,
       l.id AS log_id
FROM ioc.audit_log l
UNION ALL
SELECT o.received_at,
       'figure.revise',
       o.agency,
       'agency',
       o.indicator || '/' || o.scope || '@' || to_char(o.observed_at AT TIME ZONE 'UTC',
                                                      'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       NULL::integer,
       NULL::text,
       jsonb_build_object('indicator', o.indicator, 'scope', o.scope,
                          'observed_at', o.observed_at, 'value', o.value,
                          'event_id', o.event_id, 'source', o.source),
       NULL::bigint
FROM ioc.observations o
WHERE EXISTS (
    SELECT 1 FROM ioc.observations e
    WHERE e.indicator = o.indicator AND e.scope = o.scope AND e.observed_at = o.observed_at
      AND (e.revised_at, e.received_at, e.agency, e.event_id)
          < (o.revised_at, o.received_at, o.agency, o.event_id)
);

-- Alerts: authenticates operators (reads token hashes, never writes them), appends to the
-- audit log (may not change or delete it), reads the trail for admins.
GRANT SELECT ON ioc.operators, ioc.operator_tokens TO ioc_alerts;
GRANT INSERT ON ioc.audit_log TO ioc_alerts;
GRANT SELECT ON ioc.audit_trail TO ioc_alerts;
-- Grafana: the accounts and the trail, never the token hashes.
GRANT SELECT ON ioc.operators, ioc.audit_trail TO ioc_reader;
