"""ioc_storage."""
