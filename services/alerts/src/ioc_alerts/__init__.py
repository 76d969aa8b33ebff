"""ioc_alerts."""
