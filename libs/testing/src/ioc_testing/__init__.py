"""Test support shared by every package: fixtures for the real infrastructure."""

from ioc_testing.infrastructure import ScratchDatabase

__all__ = ["ScratchDatabase"]
