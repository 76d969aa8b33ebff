"""ioc_contracts."""
