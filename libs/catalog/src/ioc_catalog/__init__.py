"""ioc_catalog."""
