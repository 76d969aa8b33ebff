"""Lone UTF-16 surrogates in an event's bytes: refused naming the field, its name
included, the same way on the fast path and the contract's; a valid pair is text."""

from __future__ import annotations

import json

import pytest

from ioc_contracts.dead_letter import DeadLetterErrorCode
from ioc_contracts.event_bytes import Unreadable, read_event, read_event_by_contract
from ioc_contracts.surrogates import LoneSurrogate, escaped, lone_surrogates

from .event_samples import indicator_event_fields


def _as_written(extra_member: str) -> bytes:
    """A valid event with one more member, written as given (escapes kept)."""
    return (json.dumps(indicator_event_fields())[:-1] + f", {extra_member}}}").encode()


def _with_note(note_as_written: str) -> bytes:
    fields = indicator_event_fields(note="MARK")
    return json.dumps(fields).replace('"MARK"', f'"{note_as_written}"').encode()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (
            _with_note("Ước tính \\ud800"),
            "note: the value holds a lone UTF-16 surrogate (\\ud800), which is not text",
        ),
        (
            _with_note("\\ude00 trước"),  # the second half alone
            "note: the value holds a lone UTF-16 surrogate (\\ude00)",
        ),
        (
            _as_written('"no\\udc01te": 1'),
            "no\\udc01te: the field's name holds a lone UTF-16 surrogate (\\udc01)",
        ),
    ],
)
def test_a_lone_surrogate_is_refused_naming_where_it_is(raw: bytes, reason: str) -> None:
    verdicts = [read_event(raw), read_event_by_contract(raw)]
    for verdict in verdicts:
        assert isinstance(verdict, Unreadable), verdict
        assert verdict.error_code is DeadLetterErrorCode.SCHEMA_VIOLATION
        assert verdict.reason.startswith(reason), verdict.reason
        # The reason is storable and printable text: no surrogate left in it.
        verdict.reason.encode("utf-8")
    assert verdicts[0] == verdicts[1]


def test_a_surrogate_pair_is_one_character_and_no_problem() -> None:
    verdict = read_event(_with_note("Đạt \\ud83d\\ude00"))
    assert not isinstance(verdict, Unreadable), verdict
    assert verdict.note == "Đạt \U0001f600"


def test_every_field_with_one_is_found_and_written_as_its_escape() -> None:
    found = lone_surrogates(
        {"a\udbffb": 1, "note": "x\udc00", "source": "ok \U0001f600", 7: "\ud800"}
    )
    assert found == [
        LoneSurrogate("a\\udbffb", in_name=True, character="\\udbff"),
        LoneSurrogate("note", in_name=False, character="\\udc00"),
        LoneSurrogate("7", in_name=False, character="\\ud800"),
    ]
    assert escaped("x\ud800\udfffy") == "x\\ud800\\udfffy"  # a pair never survives reading
    assert "nửa cặp UTF-16" in found[1].reason_vi
    assert found[0].reason_vi.startswith("tên ô có mã \\udbff")
