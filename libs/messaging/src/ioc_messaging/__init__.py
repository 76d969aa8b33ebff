"""ioc_messaging."""
