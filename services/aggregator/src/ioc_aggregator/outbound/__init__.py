"""Outbound adapters: TimescaleDB (ledger, figures, outbox, refusals, quarantine, catalog)
and the Kafka publisher of dead letters and SeriesUpdated."""
