"""ioc_ingest."""
