"""Query parameters read as they were sent: a name given twice, or one the route does not
take, is refused rather than resolved.

Starlette keeps the last value of a repeated name (`?limit=5&limit=1000` reads 1000) while
a proxy, a firewall's rule or whoever reads the access log may have read the first; and
FastAPI ignores a name the route does not declare, so `?limt=5` answers with the default
and `POST /v1/events?dry_run=true` publishes for real. Each service words the refusal in
its own answer's shape; this module only finds what to refuse.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass
from types import UnionType
from typing import Any, Union, get_args, get_origin

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

# A name is echoed in the refusal; one longer than this is cut (a URL may be 16 KiB).
_LONGEST_NAME_SHOWN = 100


class QueryProblemKind(enum.Enum):
    REPEATED = "repeated"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class QueryProblem:
    name: str  # as decoded by Starlette, cut to a readable length
    kind: QueryProblemKind


def query_problems(request: Request, *, unknown_refused: bool = True) -> list[QueryProblem]:
    """Each name the request's query repeats and, when `unknown_refused`, each name its
    route does not declare; in the order they first appear."""
    counts = Counter(name for name, _ in request.query_params.multi_items())
    if not counts:
        return []
    route = request.scope.get("route")
    declared = declared_query_names(route) if isinstance(route, APIRoute) else frozenset()
    problems = []
    for name, count in counts.items():
        if count > 1:
            problems.append(QueryProblem(_shown(name), QueryProblemKind.REPEATED))
        elif unknown_refused and name not in declared:
            problems.append(QueryProblem(_shown(name), QueryProblemKind.UNKNOWN))
    return problems


def declared_query_names(route: APIRoute) -> frozenset[str]:
    """The query names a route reads, its dependencies' and its query models' included
    (by the alias a client sends). Walked at each request that has a query: a handful of
    dependencies, and a route is not hashable to be remembered by."""
    names: set[str] = set()
    pending: list[Dependant] = [route.dependant]
    while pending:
        dependant = pending.pop()
        pending.extend(dependant.dependencies)
        for field in dependant.query_params:
            model = _model_of(field.field_info.annotation)
            if model is None:
                names.add(field.alias)
            else:
                names.update(info.alias or name for name, info in model.model_fields.items())
    return frozenset(names)


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The query model of `Annotated[Model, Query()]` (or `Model | None`), else None."""
    if get_origin(annotation) in (Union, UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        annotation = members[0] if len(members) == 1 else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _shown(name: str) -> str:
    return name if len(name) <= _LONGEST_NAME_SHOWN else name[:_LONGEST_NAME_SHOWN] + "…"
