"""The edges of ingest: Kafka, the credentials and audit tables, the catalog rules."""
