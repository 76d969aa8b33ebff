"""Run-time plumbing shared by the services: JSON logging, redaction, common settings and
the garbage collector's settings."""

from ioc_runtime.collector import tune_garbage_collector
from ioc_runtime.logging import JsonFormatter, configure_logging
from ioc_runtime.redaction import REDACTED, Redactor, redact
from ioc_runtime.settings import Environment, ServiceSettings, load_settings, settings_error

__all__ = [
    "REDACTED",
    "Environment",
    "JsonFormatter",
    "Redactor",
    "ServiceSettings",
    "configure_logging",
    "load_settings",
    "redact",
    "settings_error",
    "tune_garbage_collector",
]
