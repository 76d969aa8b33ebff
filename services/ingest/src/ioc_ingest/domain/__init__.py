"""What ingest decides, without I/O: screening events, reading CSV reports, rate limits."""
