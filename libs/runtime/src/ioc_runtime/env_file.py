"""Reading a `.env` file (`.local/ioc.env`, `kafka-sasl.env`) the way the shell that
sources it does, through python-dotenv rather than a parser of our own: quotes, `#`
comments, `export` and `=` inside values all mean what they mean to `source`."""

from __future__ import annotations

from pathlib import Path

from dotenv import dotenv_values


def read_env_file(path: Path) -> dict[str, str]:
    """The file's variables; an absent file has none (callers say what to run first).

    No `${…}` interpolation: the local runner writes literal values (DSNs, passwords)
    and quotes them so that `source` reads them literally too.
    """
    if not path.exists():
        return {}
    values = dotenv_values(path, interpolate=False, encoding="utf-8")
    return {key: value for key, value in values.items() if value is not None}
