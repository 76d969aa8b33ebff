"""The generated dashboards as JSON, walked the way Grafana reads them: panels (inside
rows too), their SQL and PromQL targets, variables, the columns a panel names, its
value mappings and its links; and the data sources provisioning gives Grafana.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARDS = GRAFANA / "dashboards"
DATASOURCES = GRAFANA / "provisioning" / "datasources" / "datasources.yaml"

Json = dict[str, Any]


def load_dashboards() -> dict[str, Json]:
    loaded = {}
    for path in sorted(DASHBOARDS.glob("*.json")):
        dashboard: Json = json.loads(path.read_text(encoding="utf-8"))
        loaded[dashboard["uid"]] = dashboard
    return loaded


def provisioned_sources() -> list[Json]:
    document = yaml.safe_load(DATASOURCES.read_text(encoding="utf-8"))
    sources: list[Json] = document["datasources"]
    return sources


@dataclass(frozen=True)
class Target:
    dashboard: str
    panel: Json
    query: Json

    @property
    def where(self) -> str:
        return f"{self.dashboard} / {self.panel.get('title')!r} / {self.query.get('refId')}"


def panels(dashboard: Json) -> Iterator[Json]:
    """Every panel, including those inside collapsed rows."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def targets(dashboard: Json, datasource_type: str) -> Iterator[Target]:
    for panel in panels(dashboard):
        for query in panel.get("targets", []):
            source = query.get("datasource") or panel.get("datasource") or {}
            if source.get("type") == datasource_type:
                yield Target(dashboard["uid"], panel, query)


def variables(dashboard: Json) -> list[Json]:
    listed: list[Json] = dashboard.get("templating", {}).get("list", [])
    return listed


_FIELD_REFERENCE = re.compile(r"\$\{__data\.fields(?:\.(\w+)|\[\"([^\"]+)\"\])")


def named_columns(panel: Json) -> set[str]:
    """The columns a table-shaped panel names: overrides by name, data links, and
    the field a stat or bar gauge reduces (`/^name$/`)."""
    names: set[str] = set()
    for override in panel.get("fieldConfig", {}).get("overrides", []):
        matcher = override["matcher"]
        if matcher["id"] == "byName":
            names.add(matcher["options"])
        for setting in override["properties"]:
            if setting["id"] == "links":
                for link in setting["value"]:
                    names.update(a or b for a, b in _FIELD_REFERENCE.findall(link["url"]))
    reduced = panel.get("options", {}).get("reduceOptions", {}).get("fields", "")
    exact = re.fullmatch(r"/\^(.+)\$/", reduced or "")
    if exact:
        names.add(exact[1])
    return names


def regexp_overrides(panel: Json) -> list[str]:
    return [
        override["matcher"]["options"]
        for override in panel.get("fieldConfig", {}).get("overrides", [])
        if override["matcher"]["id"] == "byRegexp"
    ]


def mappings_of(panel: Json) -> list[dict[str, Any]]:
    field_config = panel.get("fieldConfig", {})
    found: list[dict[str, Any]] = list(field_config.get("defaults", {}).get("mappings", []))
    for override in field_config.get("overrides", []):
        for setting in override["properties"]:
            if setting["id"] == "mappings":
                found.extend(setting["value"])
    return found


def all_links(dashboard: Json) -> list[str]:
    urls = [link.get("url", "") for link in dashboard.get("links", [])]
    for panel in panels(dashboard):
        urls.extend(link.get("url", "") for link in panel.get("links", []))
        for override in panel.get("fieldConfig", {}).get("overrides", []):
            for setting in override["properties"]:
                if setting["id"] == "links":
                    urls.extend(link["url"] for link in setting["value"])
    return urls
