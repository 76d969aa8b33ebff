"""The one redaction policy: what a log line or a stored error detail may never contain.

Two layers, because either alone leaks:
- the secrets a process was configured with (every `SecretStr` of its settings), removed
  wherever they appear, however a library happened to format them;
- credentials recognisable by shape even when nobody registered them: a Telegram bot
  token in a URL path, `token=`/`password=`-style query parameters, the password in a
  DSN, a bearer token, an agency API key.

Libraries that log request URLs or headers (httpx, httpcore) are held at WARNING by
`configure_logging` as well; this policy is what catches the rest.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable

REDACTED = "<redacted>"

# Shorter values are too likely to occur in ordinary text ("true", a port number) to be
# removed everywhere; the settings require long secrets anyway.
MIN_SECRET_LENGTH = 8

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Telegram Bot API: /bot<digits>:<token>/method
    (re.compile(r"(/bot)\d+:[A-Za-z0-9_-]+"), rf"\1{REDACTED}"),
    # user:password@host in a DSN or URL.
    (
        re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@\"']*:)[^@\s/\"']+(@)", re.IGNORECASE),
        rf"\1{REDACTED}\2",
    ),
    # token=…, access_token: …, password=…, secret=…, api_key=… (query strings, headers, repr).
    (
        re.compile(
            r"((?:access_token|refresh_token|token|password|passwd|secret|secret_key|api_key)"
            r"[\"']?\s*[=:]\s*[\"']?)[^&\s\"',;}]+",
            re.IGNORECASE,
        ),
        rf"\1{REDACTED}",
    ),
    (re.compile(r"(\bBearer\s+)[^\s\"',;]+", re.IGNORECASE), rf"\1{REDACTED}"),
    # Agency API keys: ioc_<8-character prefix>_<secret part>; the prefix may stay.
    (re.compile(r"\b(ioc_[A-Za-z0-9]{8}_)[A-Za-z0-9_-]{8,}"), rf"\1{REDACTED}"),
)


class Redactor:
    """Removes registered secrets and credential-shaped text; safe to share across threads."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()
        self.register(secrets)

    def register(self, secrets: Iterable[str]) -> None:
        forms: set[str] = set(self._secrets)
        for secret in secrets:
            if len(secret) < MIN_SECRET_LENGTH:
                continue
            # As written, and as JSON would escape it inside a log line.
            forms.add(secret)
            forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
            forms.add(json.dumps(secret)[1:-1])
        with self._lock:
            # Longest first, so a secret that contains another is removed whole.
            self._secrets = tuple(sorted(forms, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text


# The process's policy: configure_logging registers the settings' secrets here, and
# code that stores an error detail (a failed delivery's reason) passes it through too.
redact = Redactor()
