"""The load generator's ledger: for every event, its id, when it was due to be sent and
when Kafka acknowledged it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Ledger:
    topic: str
    rate: float | None
    started: float = 0.0
    finished: float = 0.0
    # When the last message was handed to the producer: the rate achieved is the events
    # over `last_sent - started` (a send time in `records` is when the message was due).
    last_sent: float = 0.0
    # event_id, send time, acknowledgement time (Unix seconds); ack is 0 if refused.
    records: list[list[Any]] = field(default_factory=list)

    @property
    def acknowledged(self) -> int:
        return sum(1 for r in self.records if r[2])

    def summary(self) -> dict[str, float]:
        seconds = max(self.finished - self.started, 1e-9)
        return {
            "events": len(self.records),
            "acknowledged": self.acknowledged,
            "seconds": seconds,
            "events_per_second": self.acknowledged / seconds,
        }

    def write(self, path: Path) -> None:
        path.write_text(
            json.dumps(
                {
                    "topic": self.topic,
                    "rate": self.rate,
                    "started": self.started,
                    "finished": self.finished,
                    "last_sent": self.last_sent,
                    "records": self.records,
                }
            ),
            encoding="utf-8",
        )

    @classmethod
    def read(cls, path: Path) -> Ledger:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            topic=data["topic"],
            rate=data["rate"],
            started=data["started"],
            finished=data["finished"],
            last_sent=data["last_sent"],
            records=data["records"],
        )

    @property
    def achieved_rate(self) -> float:
        return len(self.records) / max(self.last_sent - self.started, 1e-9)
