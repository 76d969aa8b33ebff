-- Derived indicators: the catalog's formulas, the lineage of every derived figure, and
-- the published figures that disagree with their formula.

ALTER TABLE ioc.indicators ADD COLUMN formula jsonb;

-- One row per input revision of a derived figure: which figures of record (agency,
-- event_id and the value then) it was computed from. Written before the derived event
-- is published, so a stored derived figure always has its lineage.
CREATE TABLE ioc.derived_lineage (
    event_id            uuid NOT NULL,
    indicator           text NOT NULL,
    scope               text NOT NULL,
    observed_at         timestamptz NOT NULL,
    value               double precision NOT NULL,
    input_indicator     text NOT NULL,
    input_scope         text NOT NULL,
    input_observed_at   timestamptz NOT NULL,
    input_agency        text NOT NULL,
    input_event_id      uuid NOT NULL,
    input_value         double precision NOT NULL,
    computed_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, input_agency, input_event_id)
);
CREATE INDEX derived_lineage_figure_idx ON ioc.derived_lineage (indicator, scope, observed_at);
CREATE INDEX derived_lineage_input_idx
    ON ioc.derived_lineage (input_indicator, input_scope, input_observed_at);

-- A figure an agency published for a derived indicator, compared with its formula.
CREATE TABLE ioc.formula_disagreements (
    agency              text NOT NULL,
    event_id            uuid NOT NULL,
    indicator           text NOT NULL,
    scope               text NOT NULL,
    observed_at         timestamptz NOT NULL,
    published           double precision NOT NULL,
    derived             double precision NOT NULL,
    derived_event_id    uuid NOT NULL,
    reason              text NOT NULL,
    found_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency, event_id)
);

-- The derived service connects as the writer (it reads figures of record and flags them
-- as the aggregator does); Grafana reads both for the drill-down.
GRANT SELECT, INSERT ON ioc.derived_lineage, ioc.formula_disagreements TO ioc_writer;
GRANT SELECT ON ioc.derived_lineage, ioc.formula_disagreements TO ioc_reader;
