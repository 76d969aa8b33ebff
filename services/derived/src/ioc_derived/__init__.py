"""Derived indicators: recomputes formula figures when their inputs change."""
