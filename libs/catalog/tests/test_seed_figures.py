"""The report's figures are valid events that their agencies may publish."""

from __future__ import annotations

from ioc_catalog import PublishPolicy, load_catalog
from ioc_catalog.seed import seed_figures


def test_every_seed_figure_is_publishable_and_in_range() -> None:
    catalog = load_catalog()
    policy = PublishPolicy.from_catalog(catalog)
    figures = seed_figures()
    assert len(figures) >= 30
    for figure in figures:
        event = figure.event()
        decision = policy.check(event.agency, event.indicator, event.scope)
        assert decision.allowed, decision.reason
        indicator = catalog.indicator(event.indicator)
        assert indicator is not None
        assert indicator.accepts(event.value), figure


def test_seed_events_keep_their_ids_and_the_report_figures() -> None:
    by_indicator = {f.indicator: f.event() for f in seed_figures()}
    again = {f.indicator: f.event() for f in seed_figures()}
    assert by_indicator["dvc.paperless-rate"].event_id == again["dvc.paperless-rate"].event_id
    paperless = by_indicator["dvc.paperless-rate"]
    assert (paperless.value, paperless.numerator, paperless.denominator) == (37.0, 731, 1950)
    assert paperless.observed_at.isoformat() == "2023-06-01T16:59:00+00:00"
    assert by_indicator["da06.eid-activated-rate"].value == 17.2
