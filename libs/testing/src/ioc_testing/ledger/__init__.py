"""The event ledger of the fault-injection suite: what was sent, what the system
answered, and whether the database agrees once the system is quiet.

Every event a test sends is recorded with the answer it got:
- acknowledged: Kafka (acks=all) or ingest (202) confirmed it, so it must be stored, once;
- rejected: it never entered the pipeline (a 4xx, a send the client refused) or it is a
  poison record the aggregator must dead-letter, so it must never be stored;
- indeterminate: no answer (a timeout, a broker that went away, a 5xx), so it may be
  stored, at most once.

Hence, after the fault: acknowledged ⊆ stored ⊆ acknowledged ∪ indeterminate,
rejected ∩ stored = ∅, no event stored twice, and per agency the count, the sum of
values and a hash of the sorted event ids match what the ledger says was stored.

Some generated events are revisions of a figure sent before (same indicator, scope and
observed_at, a later reported_at): the figure of record of every figure must be its
newest stored revision, and every series' latest value the figure of record of its
newest figure. Every ledger revision's id must be in the id register and every
registered id must have its revision: the ledger keeps no key of its own.
"""

from __future__ import annotations

from ioc_testing.ledger.consumer_lag import LagProbe, wait_for_zero_lag
from ioc_testing.ledger.entries import FigureKey, Ledger, Outcome, SentEvent
from ioc_testing.ledger.fault_results import RESULTS_ENV, FaultResult, record_result
from ioc_testing.ledger.load_generator import T0, HttpPost, LoadGenerator, Series, granted_series
from ioc_testing.ledger.reconciliation import (
    AgencyTally,
    Reconciliation,
    reconcile,
    register_out_of_step,
    stored_count,
    tally,
    wrong_figures,
    wrong_latest,
)

__all__ = [
    "RESULTS_ENV",
    "T0",
    "AgencyTally",
    "FaultResult",
    "FigureKey",
    "HttpPost",
    "LagProbe",
    "Ledger",
    "LoadGenerator",
    "Outcome",
    "Reconciliation",
    "SentEvent",
    "Series",
    "granted_series",
    "reconcile",
    "record_result",
    "register_out_of_step",
    "stored_count",
    "tally",
    "wait_for_zero_lag",
    "wrong_figures",
    "wrong_latest",
]
