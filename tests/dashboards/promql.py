"""`promql_uses`: the metric names and label names a PromQL expression reads, so the
dashboards can be checked against the metrics the services register."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .grafana_time import ExpansionError

_PROMQL_WORDS = {
    # aggregation operators, keywords and set operators
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk", "quantile", "limitk", "limit_ratio", "by", "without", "on",
    "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless",
    "atan2", "inf", "nan", "start", "end",
}  # fmt: skip
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}")
_MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")
_IDENTIFIER = re.compile(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?!\w)(\s*\()?")


@dataclass
class PromqlUse:
    metrics: set[str] = field(default_factory=set)
    matched_labels: dict[str, set[str]] = field(default_factory=dict)
    """Labels in each metric's own {…} selector."""
    grouping_labels: set[str] = field(default_factory=set)
    """Labels in by (…), without (…), on (…), ignoring (…), group_left/right (…)."""


def promql_uses(expr: str) -> PromqlUse:
    """Metric and label names an expression reads; Grafana's $__ variables count as none."""
    use = PromqlUse()
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)
    text = re.sub(r"\[[^\]]*\]", "", text)  # range and subquery durations
    text = re.sub(r"\$\{?\w+\}?", " ", text)  # Grafana's variables
    for match in _GROUPING.finditer(text):
        use.grouping_labels.update(n.strip() for n in match[1].split(",") if n.strip())
    text = _GROUPING.sub(" ", text)
    for match in _SELECTOR.finditer(text):
        labels = set(_MATCHER.findall(match[2]))
        if match[1] is None:
            raise ExpansionError(f"{expr!r}: a selector without a metric name is not checked")
        use.metrics.add(match[1])
        use.matched_labels.setdefault(match[1], set()).update(labels)
    text = _SELECTOR.sub(lambda m: f" {m[1]} ", text)
    for match in _IDENTIFIER.finditer(text):
        name, call = match[1], match[2]
        if call or name in _PROMQL_WORDS or re.fullmatch(r"\d", name[:1]):
            continue
        use.metrics.add(name)
    return use
