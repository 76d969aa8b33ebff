"""Reading monthly CSV reports into event fields, row by row (pure)."""

from __future__ import annotations

from uuid import UUID

import pytest

from ioc_ingest.domain.csv_report import derived_event_id, parse_report
from ioc_ingest.domain.problems import RequestShapeError

HEADER = "indicator,scope,observed_at,value,numerator,denominator,note,event_id\n"
ROW = "dvc.paperless-rate,so-tttt,2023-06-30T17:00:00+07:00,37.5,731,1950,,\n"


def parse(text: str, *, max_rows: int = 100) -> list[tuple[int, dict[str, object], list[str]]]:
    report = parse_report(text, agency="so-tttt", max_rows=max_rows)
    return [
        (row.row, row.fields, [f"{p.field}: {p.reason}" for p in row.problems])
        for row in report.rows
    ]


def test_a_row_becomes_event_fields_with_numbers_and_a_derived_id() -> None:
    [(row, fields, problems)] = parse(HEADER + ROW)
    assert (row, problems) == (2, [])
    assert fields == {
        "indicator": "dvc.paperless-rate",
        "scope": "so-tttt",
        "observed_at": "2023-06-30T17:00:00+07:00",
        "value": 37.5,
        "numerator": 731.0,
        "denominator": 1950.0,
        "event_id": str(derived_event_id(agency="so-tttt", fields={**fields, "event_id": None})),
    }


def test_the_derived_id_depends_on_the_instant_not_its_spelling() -> None:
    def derive(agency: str, observed_at: str) -> UUID:
        return derived_event_id(
            agency=agency,
            fields={
                "indicator": "dvc.paperless-rate",
                "scope": "so-tttt",
                "observed_at": observed_at,
            },
        )

    assert derive("so-tttt", "2023-06-30T17:00:00+07:00") == derive(
        "so-tttt", "2023-06-30T10:00:00Z"
    )
    assert derive("so-tttt", "2023-06-30T17:00:00+07:00") != derive(
        "so-tttt", "2023-07-31T17:00:00+07:00"
    )
    assert derive("so-tttt", "2023-06-30T10:00:00Z") != derive("so-nv", "2023-06-30T10:00:00Z")


def test_derived_ids_are_name_based_uuids() -> None:
    event_id = derived_event_id(
        agency="so-tttt",
        fields={"indicator": "x.y", "scope": "province", "observed_at": "2023-06-30T10:00:00Z"},
    )
    assert isinstance(event_id, UUID)
    assert event_id.version == 5


def test_a_given_event_id_is_kept() -> None:
    row = ROW.replace(",,\n", ",,6f1c2d0e-8a4b-4c1e-9d7a-2b5f0e3c9a11\n")
    [(_, fields, _)] = parse(HEADER + row)
    assert fields["event_id"] == "6f1c2d0e-8a4b-4c1e-9d7a-2b5f0e3c9a11"


def test_only_the_four_required_columns_are_needed_in_any_order_and_case() -> None:
    [(_, fields, problems)] = parse(
        "Value,Scope,Indicator,Observed_At\n8.5,province,grdp.growth,2023-06-30T17:00:00Z\n"
    )
    assert problems == []
    assert fields["value"] == 8.5
    assert fields["indicator"] == "grdp.growth"


def test_rows_are_numbered_as_a_spreadsheet_shows_them() -> None:
    text = "\ufeff" + HEADER + ROW + "\n" + ROW.replace("37.5", "38") + "\n\n"
    assert [row for row, _, _ in parse(text)] == [2, 4]


def test_a_quoted_note_may_hold_commas_and_line_breaks() -> None:
    row = ROW.replace(",,\n", ',"Ước tính, sẽ cập nhật\nkhi có báo cáo",\n')
    [(row_number, fields, problems)] = parse(HEADER + row + ROW.replace("37.5", "40"))[:1]
    assert problems == []
    assert fields["note"] == "Ước tính, sẽ cập nhật\nkhi có báo cáo"
    assert row_number == 2


@pytest.mark.parametrize("cell", ["36,82", "1.893,5", "1 893", "nan", "inf", "1_000", "37.5%"])
def test_numbers_must_be_plain(cell: str) -> None:
    row = f'dvc.paperless-rate,so-tttt,2023-06-30T17:00:00+07:00,"{cell}",,,,\n'
    [(_, _, problems)] = parse(HEADER + row)
    [problem] = problems
    assert problem.startswith("value: ")
    assert "is not a number" in problem


@pytest.mark.parametrize("cell", ["0", "-3", "+4.5", ".5", "1e3", "100."])
def test_plain_numbers_are_read(cell: str) -> None:
    row = f"dvc.paperless-rate,so-tttt,2023-06-30T17:00:00+07:00,{cell},,,,\n"
    [(_, fields, problems)] = parse(HEADER + row)
    assert problems == []
    assert fields["value"] == float(cell)


def test_a_row_with_the_wrong_number_of_cells_is_a_row_problem() -> None:
    [(_, _, problems)] = parse(HEADER + "dvc.paperless-rate,so-tttt\n")
    assert problems == ["None: expected 8 cells, found 2"]


def test_empty_cells_are_omitted_fields() -> None:
    [(_, fields, _)] = parse(HEADER + ",so-tttt,2023-06-30T17:00:00+07:00,5,,,,\n")
    assert "indicator" not in fields
    assert "numerator" not in fields


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("", None, "empty"),
        ("indicator,scope,observed_at\n", "value", "required column 'value'"),
        ("indicator,scope,observed_at,value,colour\n", "colour", "unknown column 'colour'"),
        ("indicator,scope,observed_at,value,value\n", "value", "appears twice"),
        ("indicator;scope;observed_at;value\n", None, "semicolons"),
        (HEADER, "rows", "no data rows"),
        (HEADER + ROW * 4, "rows", "at most 3 data rows"),
    ],
)
def test_files_that_cannot_be_read_say_why(text: str, field: str | None, words: str) -> None:
    with pytest.raises(RequestShapeError) as raised:
        parse_report(text, agency="so-tttt", max_rows=3)
    assert raised.value.field == field
    assert words in raised.value.reason


def test_a_corrected_value_gets_a_new_id_and_an_identical_row_the_same() -> None:
    [(_, first, _)] = parse(HEADER + ROW)
    [(_, again, _)] = parse(HEADER + ROW.replace(",37.5,", ",37.50,"))
    [(_, corrected, _)] = parse(HEADER + ROW.replace(",37.5,", ",38.1,"))
    [(_, noted, _)] = parse(HEADER + ROW.replace(",,\n", ",sửa số liệu,\n"))
    assert again["event_id"] == first["event_id"]
    assert corrected["event_id"] != first["event_id"]
    assert noted["event_id"] != first["event_id"]
