-- The schedule judges every target every minute. Each status row used to be written again
-- by every pass, if only for its evaluated_at: at the IOC's 29,000 targets, 29,000 row
-- versions a minute, with their WAL, index entries and vacuuming, for rows whose judgment
-- had not changed. A row is now written only when its judgment changes (its
-- evaluated_at is then when it last changed), and the instant the last whole pass judged
-- every target is kept once, here; the dashboards' "evaluated at" is the later of the two.

CREATE TABLE ioc.evaluation_passes (
    -- One row: the last whole pass's instant.
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    judged_at timestamptz NOT NULL
);

GRANT SELECT, INSERT, UPDATE ON ioc.evaluation_passes TO ioc_alerts;
GRANT SELECT ON ioc.evaluation_passes TO ioc_reader;

CREATE OR REPLACE VIEW ioc.target_overview AS
SELECT
    t.code,
    t.title_vi,
    t.title_en,
    t.kind,
    t.value AS target_value,
    t.deadline,
    t.severity,
    t.indicator,
    i.name_vi AS indicator_name_vi,
    i.domain,
    i.unit,
    i.direction,
    i.rollup,
    t.scope,
    COALESCE(a.name_vi, t.scope) AS scope_name_vi,
    a.kind AS scope_kind,
    s.status,
    -- Worst first, the order of the alert digest; a target not yet assessed comes last.
    CASE s.status
        WHEN 'missed' THEN 0
        WHEN 'deteriorating' THEN 1
        WHEN 'off_track' THEN 2
        WHEN 'at_risk' THEN 3
        WHEN 'stale' THEN 4
        WHEN 'on_track' THEN 5
        WHEN 'achieved' THEN 6
        ELSE 7
    END AS status_rank,
    s.ratio,
    s.observed_rate,
    s.required_rate,
    s.current_value,
    s.current_at,
    s.projected_value,
    s.eta,
    s.reason_vi,
    s.reason_en,
    -- When the target was last judged: by the last whole pass, or later, by a figure's
    -- update that changed its status row. NULL while it has never been judged.
    CASE WHEN s.target IS NOT NULL THEN GREATEST(s.evaluated_at, p.judged_at) END
        AS evaluated_at,
    al.id AS alert_id,
    al.state AS alert_state,
    al.opened_at AS alert_opened_at,
    al.escalation_level,
    al.acknowledged_at,
    al.acknowledged_by,
    -- Leaders acknowledge by their recipient id (ack link); operators by their own name.
    COALESCE(r.name, al.acknowledged_by) AS acknowledged_by_name
FROM ioc.targets t
JOIN ioc.indicators i ON i.code = t.indicator
LEFT JOIN ioc.agencies a ON a.code = t.scope
LEFT JOIN ioc.target_status s ON s.target = t.code
LEFT JOIN ioc.evaluation_passes p ON true
-- At most one open alert per target (alerts_one_open_per_target), so no row repeats.
LEFT JOIN ioc.alerts al ON al.target = t.code AND al.state <> 'resolved'
LEFT JOIN ioc.recipients r ON r.id = al.acknowledged_by;
