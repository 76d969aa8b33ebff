"""ioc_aggregator."""
