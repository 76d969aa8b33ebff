"""Structured JSON logs: one object per line, ready for Loki or Elasticsearch.

Context such as topic, partition, offset or agency goes in `extra=` and comes out
as top-level keys, so operators can filter on them instead of parsing messages.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ioc_runtime.redaction import redact

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys() | {"message", "asctime"}
)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        # ensure_ascii=False keeps Vietnamese readable in the log itself. The whole line
        # is redacted, so a secret in an extra, an argument or a traceback goes too.
        return redact(json.dumps(entry, ensure_ascii=False, default=str))


# Libraries that log request URLs (httpx at INFO) or headers (httpcore at DEBUG): the
# Telegram bot token travels in the URL path and Zalo's access token in a header.
QUIET_LIBRARIES = ("httpx", "httpcore", "hpack", "aiosmtplib", "asyncio")


def configure_logging(service: str, level: str = "INFO", *, secrets: Iterable[str] = ()) -> None:
    """Routes every logger (ours, FastStream's, uvicorn's) through one JSON handler.

    `secrets` (the settings' secret values) never appear in a line, whatever logs them.
    """
    redact.register(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "faststream", "aiokafka"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # aiokafka is chatty at INFO about every (re)connection.
    logging.getLogger("aiokafka").setLevel(max(root.level, logging.WARNING))
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(root.level, logging.WARNING))
