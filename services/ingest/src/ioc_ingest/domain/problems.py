"""What can be wrong with one event, in words an agency's developer can act on."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ProblemKind(StrEnum):
    """Whether the event is malformed (422) or not this agency's to send (403)."""

    INVALID = "invalid"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True, slots=True)
class EventProblem:
    """One reason an event is refused.

    `index` is the event's position in the request (0-based), or the data row's
    position in a CSV report; `field` names the offending field when there is one.
    """

    index: int
    field: str | None
    reason: str
    kind: ProblemKind = ProblemKind.INVALID


class RequestShapeError(ValueError):
    """The request as a whole is not what the endpoint takes (no event was read)."""

    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason
