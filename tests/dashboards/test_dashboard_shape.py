"""The dashboards' shape, read from their JSON: uids, Vietnamese titles, the Bình Dương
time zone, provisioned data sources, status colours, and links that land on a
dashboard, variable and panel that exist."""

from __future__ import annotations

import re

from ioc_contracts.status import RiskStatus

from .dashboard_json import (
    all_links,
    load_dashboards,
    mappings_of,
    panels,
    provisioned_sources,
    variables,
)

UIDS = {
    "ioc-overview": "Tổng quan tỉnh Bình Dương",
    "ioc-domains": "Lĩnh vực",
    "ioc-agencies": "Bảng điểm sở, ngành và địa phương",
    "ioc-targets": "Chỉ tiêu có nguy cơ",
    "ioc-pipeline": "Sức khỏe hệ thống",
}


def test_the_five_dashboards_have_their_uids_vietnamese_titles_and_vietnam_time() -> None:
    dashboards = load_dashboards()
    assert {uid: d["title"] for uid, d in dashboards.items()} == UIDS
    for uid, dashboard in dashboards.items():
        assert dashboard["timezone"] == "Asia/Ho_Chi_Minh", uid
        for panel in panels(dashboard):
            # An unaccented "Vietnamese" title is a bug (the words lose their meaning).
            assert re.search(r"[^\x00-\x7f]", panel["title"]), f"{uid}: {panel['title']!r}"


def test_panels_have_unique_ids_and_fit_the_grid() -> None:
    for uid, dashboard in load_dashboards().items():
        ids = [panel["id"] for panel in panels(dashboard)]
        assert len(ids) == len(set(ids)), f"{uid}: panel ids repeat: {ids}"
        for panel in panels(dashboard):
            grid = panel["gridPos"]
            assert grid["x"] + grid["w"] <= 24, f"{uid}: {panel['title']} overflows"


def test_every_query_uses_a_provisioned_data_source_by_uid() -> None:
    sources = {source["uid"]: source["type"] for source in provisioned_sources()}
    for uid, dashboard in load_dashboards().items():
        for panel in panels(dashboard):
            if panel["type"] == "row":
                continue
            assert sources.get(panel["datasource"]["uid"]) == panel["datasource"]["type"], uid
            for query in panel["targets"]:
                source = query.get("datasource", panel["datasource"])
                assert sources.get(source["uid"]) == source["type"], f"{uid}: {panel['title']}"
        for variable in variables(dashboard):
            assert variable["datasource"]["uid"] in sources, f"{uid}: ${variable['name']}"


COLOUR_OF_STATUS = {
    RiskStatus.ACHIEVED: "green",
    RiskStatus.ON_TRACK: "green",
    RiskStatus.AT_RISK: "orange",
    RiskStatus.OFF_TRACK: "red",
    RiskStatus.DETERIORATING: "red",
    RiskStatus.MISSED: "red",
    RiskStatus.STALE: "#8e8e8e",
    RiskStatus.SCOPE_RETIRED: "blue",
}


def test_every_status_reads_in_vietnamese_in_its_colour() -> None:
    mapped, counted = 0, 0
    words: dict[str, RiskStatus] = {}
    for uid, dashboard in load_dashboards().items():
        for panel in panels(dashboard):
            for mapping in mappings_of(panel):
                options = mapping.get("options", {})
                if mapping["type"] != "value" or RiskStatus.AT_RISK.value not in options:
                    continue
                mapped += 1
                assert set(options) == {s.value for s in RiskStatus}, f"{uid}: {panel['title']}"
                for status, colour in COLOUR_OF_STATUS.items():
                    shown = options[status.value]
                    assert re.search(r"[^\x00-\x7f]", shown["text"]), shown
                    # Grafana's shades of a colour share its name (dark-red, semi-dark-red).
                    assert shown["color"].endswith(colour), f"{uid}: {status} is {shown['color']}"
                    words[shown["text"]] = status
    # The status counts show one number per status, named by the same words.
    for uid, dashboard in load_dashboards().items():
        for panel in panels(dashboard):
            for override in panel.get("fieldConfig", {}).get("overrides", []):
                named = words.get(override["matcher"]["options"])
                colours = [
                    p["value"]["fixedColor"] for p in override["properties"] if p["id"] == "color"
                ]
                if named is not None and colours:
                    counted += 1
                    assert colours[0].endswith(COLOUR_OF_STATUS[named]), f"{uid}: {panel['title']}"
    assert mapped >= 5, "the status columns lost their value mappings"
    assert counted == 2 * len(RiskStatus), "the status counts lost their colours"


LINK = re.compile(r"/d/([\w-]+)/\?([^\s\"]*)")


def test_links_land_on_a_dashboard_variable_and_panel_that_exist() -> None:
    dashboards = load_dashboards()
    followed = 0
    for uid, dashboard in dashboards.items():
        for url in all_links(dashboard):
            for target_uid, query in LINK.findall(url):
                followed += 1
                assert target_uid in dashboards, f"{uid}: {url}"
                target = dashboards[target_uid]
                names = {v["name"] for v in variables(target)}
                for name in re.findall(r"var-([\w]+)=", query):
                    assert name in names, f"{uid}: {url} sets ${name}, unknown to {target_uid}"
                ids = {p["id"] for p in panels(target)}
                for panel_id in re.findall(r"viewPanel=panel-(\d+)", query):
                    assert int(panel_id) in ids, f"{uid}: {url}"
    assert followed >= 8


def test_the_alert_services_chart_link_selects_one_target() -> None:
    # ioc_alerts builds {grafana}/d/ioc-targets/?var-target={code}.
    (variable,) = [v for v in variables(load_dashboards()["ioc-targets"]) if v["name"] == "target"]
    assert variable["type"] == "query"
    assert "code AS __value" in variable["query"]
