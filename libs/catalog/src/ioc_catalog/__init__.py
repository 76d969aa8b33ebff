"""The IOC catalog as code: the shipped Bình Dương catalog and its validating loader."""

from ioc_catalog.errors import CatalogError, CatalogProblem
from ioc_catalog.generated import generate_catalog
from ioc_catalog.loader import default_catalog_dir, load_catalog, require_valid
from ioc_catalog.policy import Grant, PublishDecision, PublishPolicy, Refusal, grants
from ioc_catalog.validation import validate_catalog
from ioc_catalog.writer import dump_catalog

__all__ = [
    "CatalogError",
    "CatalogProblem",
    "Grant",
    "PublishDecision",
    "PublishPolicy",
    "Refusal",
    "default_catalog_dir",
    "dump_catalog",
    "generate_catalog",
    "grants",
    "load_catalog",
    "require_valid",
    "validate_catalog",
]
