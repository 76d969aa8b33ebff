-- The administrative map through time: each scope's validity dates and level, the
-- changes (merge, split, rename, a level removed) with their effective date and how
-- figures carry over, a view of a successor's series across its change, and the derived
-- service's own role.

-- Communes ("xã, phường") are a level of their own; after the 2025 reorganisation they
-- answer to the province directly.
ALTER TABLE ioc.agencies DROP CONSTRAINT agencies_kind_check;
ALTER TABLE ioc.agencies ADD CONSTRAINT agencies_kind_check
    CHECK (kind IN ('department', 'district', 'province', 'commune'));
-- [valid_from, valid_until) in Vietnam's calendar days; NULL is open.
ALTER TABLE ioc.agencies
    ADD COLUMN valid_from date,
    ADD COLUMN valid_until date,
    ADD CONSTRAINT agencies_validity_check
        CHECK (valid_from IS NULL OR valid_until IS NULL OR valid_from < valid_until);

CREATE TABLE ioc.scope_changes (
    code        text PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('merge', 'split', 'rename', 'level_removed')),
    effective   date NOT NULL,
    level       text,
    carry_over  text NOT NULL CHECK (carry_over IN ('sum', 'stop')),
    note_vi     text,
    note_en     text
);

-- The scopes a change retires and those that succeed them. A removed level's retired
-- scopes are listed one by one (resolved by the catalog sync), so readers need no rule.
CREATE TABLE ioc.scope_change_scopes (
    change      text NOT NULL REFERENCES ioc.scope_changes (code) ON DELETE CASCADE,
    role        text NOT NULL CHECK (role IN ('retired', 'successor')),
    scope       text NOT NULL REFERENCES ioc.agencies (code),
    position    integer NOT NULL,
    PRIMARY KEY (change, role, scope)
);
CREATE INDEX scope_change_scopes_scope_idx ON ioc.scope_change_scopes (scope);

-- What a successor inherits: at every instant before its change, the figures of record
-- of all the scopes it replaced (carry_over 'sum'), combined as the derived service
-- combines children: amounts (counts, money) summed, rates as the ratio of summed
-- numerators and denominators, and a rename's single predecessor as it was. An instant
-- where one predecessor has no figure has no carried figure (a partial sum would read
-- as a fall); figures that do not add up (scores, ranks, durations) stop at the change.
CREATE VIEW ioc.carried_figures AS
WITH carried AS (
    SELECT c.code AS change,
           (c.effective::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh') AS effective_at,
           s.scope AS successor,
           r.scope AS predecessor,
           count(*) OVER (PARTITION BY c.code, s.scope) AS predecessors
      FROM ioc.scope_changes c
      JOIN ioc.scope_change_scopes s ON s.change = c.code AND s.role = 'successor'
      JOIN ioc.scope_change_scopes r ON r.change = c.code AND r.role = 'retired'
     WHERE c.carry_over = 'sum'
), combined AS (
    SELECT f.indicator, k.successor AS scope, f.observed_at, k.change, i.unit,
           max(k.predecessors) AS predecessors,
           count(*) AS present,
           count(*) FILTER (WHERE f.numerator IS NOT NULL AND f.denominator IS NOT NULL)
               AS with_parts,
           sum(f.value) AS value_sum,
           max(f.value) AS single_value,
           sum(f.numerator) AS numerator,
           sum(f.denominator) AS denominator,
           array_agg(f.scope ORDER BY f.scope) AS carried_from
      FROM carried k
      JOIN ioc.figures f ON f.scope = k.predecessor AND f.observed_at < k.effective_at
      JOIN ioc.indicators i ON i.code = f.indicator
     GROUP BY f.indicator, k.successor, f.observed_at, k.change, i.unit
)
SELECT indicator, scope, observed_at,
       CASE
           WHEN predecessors = 1 THEN single_value
           WHEN unit IN ('percent', 'ratio')
               THEN numerator / denominator * CASE unit WHEN 'percent' THEN 100 ELSE 1 END
           ELSE value_sum
       END AS value,
       CASE WHEN with_parts = present THEN numerator END AS numerator,
       CASE WHEN with_parts = present THEN denominator END AS denominator,
       carried_from,
       change
  FROM combined
 WHERE present = predecessors
   AND (predecessors = 1
        OR (unit IN ('percent', 'ratio') AND with_parts = present AND denominator > 0)
        OR unit IN ('count', 'vnd'));

-- A series read across changes: its own figures of record, and before its change the
-- figures it carried over (own figures win where both exist). `carried_from` names the
-- retired scopes a carried figure was made of; NULL for the series' own.
CREATE VIEW ioc.series_across_changes AS
SELECT indicator, scope, observed_at, value, numerator, denominator,
       NULL::text[] AS carried_from
  FROM ioc.figures
UNION ALL
SELECT c.indicator, c.scope, c.observed_at, c.value, c.numerator, c.denominator,
       c.carried_from
  FROM ioc.carried_figures c
 WHERE NOT EXISTS (
       SELECT 1 FROM ioc.figures f
        WHERE f.indicator = c.indicator AND f.scope = c.scope
          AND f.observed_at = c.observed_at);

GRANT SELECT ON ioc.scope_changes, ioc.scope_change_scopes
    TO ioc_writer, ioc_ingest, ioc_alerts, ioc_reader;
GRANT SELECT ON ioc.carried_figures, ioc.series_across_changes TO ioc_reader;

-- The derived-indicator service, least privilege: it reads the formulas, the map and the
-- figures of record, records lineage and disagreements, and flags a figure of record
-- (its quality flags only). It writes no figure: its results go through Kafka.
GRANT USAGE ON SCHEMA ioc TO ioc_derived;
GRANT SELECT ON ioc.indicators, ioc.agencies, ioc.scope_changes, ioc.scope_change_scopes
    TO ioc_derived;
GRANT SELECT ON ioc.figures, ioc.event_ids, ioc.observations TO ioc_derived;
GRANT UPDATE (quality_flags) ON ioc.figures TO ioc_derived;
GRANT SELECT, INSERT ON ioc.derived_lineage, ioc.formula_disagreements TO ioc_derived;
-- The aggregator's writer needed these only while the derived service borrowed it.
REVOKE ALL ON ioc.derived_lineage, ioc.formula_disagreements FROM ioc_writer;
