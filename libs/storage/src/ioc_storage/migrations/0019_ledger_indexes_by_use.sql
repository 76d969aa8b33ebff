-- Each index on the write path earns its place by a read that needs it.
--
-- Every stored event inserts one entry into every index of the ledger, of ioc.event_ids
-- and of ioc.figures, and those inserts were most of the database's work per event.
-- Three indexes had no read that needed them, and one read had no index:
--
-- * The ledger's primary key (agency, event_id, observed_at) repeated what
--   ioc.event_ids enforces in the same transaction (the aggregator registers every id
--   before it writes the revision; nothing else writes the ledger). Its one use, finding
--   the revision an id names, is served by the agency index once that index ends with
--   the id: the same look-up, and one index fewer to keep.
-- * The time-only indexes TimescaleDB creates by default (ledger and figures): every
--   read names a series or an agency first, and a read of a whole period (the reporting
--   calendar) scans the period's chunks, which chunk exclusion already narrows to.
-- * ioc.event_ids was keyed agency first, so "which figures do these ids name, whoever
--   sent them" (the derived service) scanned the ledger. Keyed id first, the same key
--   serves both look-ups.
-- * ioc.event_ids' time index served only retention's daily delete: a block-range index
--   does that for a fraction of the upkeep.
DROP INDEX ioc.observations_agency_idx;
CREATE INDEX observations_agency_idx ON ioc.observations (agency, observed_at DESC, event_id);
ALTER TABLE ioc.observations DROP CONSTRAINT observations_pkey;
DROP INDEX ioc.observations_observed_at_idx;
DROP INDEX ioc.figures_observed_at_idx;

ALTER TABLE ioc.event_ids DROP CONSTRAINT event_ids_pkey;
ALTER TABLE ioc.event_ids ADD PRIMARY KEY (event_id, agency);
DROP INDEX ioc.event_ids_observed_idx;
CREATE INDEX event_ids_observed_idx ON ioc.event_ids USING brin (observed_at);
