"""Adapters: the database (figures, lineage, flags) and the catalog\x27s formulas."""
