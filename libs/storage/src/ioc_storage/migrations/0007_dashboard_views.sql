-- Read models for the Grafana dashboards (deploy/grafana), read as ioc_reader.
-- Four dashboards show a target beside its indicator, whose figure it is, the alert
-- service's latest assessment and the open alert; the views keep that join in one
-- place. Wording, units and colours stay in the dashboards.

CREATE VIEW ioc.target_overview AS
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
    s.evaluated_at,
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
-- At most one open alert per target (alerts_one_open_per_target), so no row repeats.
LEFT JOIN ioc.alerts al ON al.target = t.code AND al.state <> 'resolved'
LEFT JOIN ioc.recipients r ON r.id = al.acknowledged_by;

CREATE VIEW ioc.series_overview AS
SELECT
    lv.indicator,
    i.name_vi AS indicator_name_vi,
    i.domain,
    i.unit,
    i.direction,
    i.rollup,
    i.cadence,
    i.cadence_period,
    lv.scope,
    COALESCE(a.name_vi, lv.scope) AS scope_name_vi,
    a.kind AS scope_kind,
    lv.value,
    lv.numerator,
    lv.denominator,
    lv.observed_at,
    lv.agency AS publisher,
    lv.updated_at
FROM ioc.latest_values lv
JOIN ioc.indicators i ON i.code = lv.indicator
LEFT JOIN ioc.agencies a ON a.code = lv.scope;

GRANT SELECT ON ioc.target_overview, ioc.series_overview TO ioc_reader;
