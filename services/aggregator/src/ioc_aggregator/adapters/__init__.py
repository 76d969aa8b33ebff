"""Edges of the aggregator: TimescaleDB, Kafka, the catalog in force."""
