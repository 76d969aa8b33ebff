"""Run-time plumbing shared by the services: JSON logging and common settings."""

from ioc_runtime.logging import JsonFormatter, configure_logging
from ioc_runtime.settings import Environment, ServiceSettings

__all__ = ["Environment", "JsonFormatter", "ServiceSettings", "configure_logging"]
