import pytest

from ioc_catalog.wording import bilingual, format_number, is_bilingual
from ioc_contracts.catalog import Language

VI, EN = Language.VI, Language.EN


@pytest.mark.parametrize(
    ("value", "vietnamese", "english"),
    [
        (1_005_735, "1.005.735", "1,005,735"),
        (36.82, "36,82", "36.82"),
        (36.555, "36,56", "36.56"),
        (0.125, "0,13", "0.13"),
        (2.675, "2,68", "2.68"),
        (17.2, "17,2", "17.2"),
        (-0.001, "0", "0"),
        (-1234.5, "-1.234,5", "-1,234.5"),
        (0.0, "0", "0"),
    ],
)
def test_one_rounding_rule_half_up_in_both_languages(
    value: float, vietnamese: str, english: str
) -> None:
    assert format_number(value, VI) == vietnamese
    assert format_number(value, EN) == english


def test_decimals_sign_and_tiny_values() -> None:
    assert format_number(35.4, VI, max_decimals=0) == "35"
    assert format_number(35.5, VI, max_decimals=0) == "36"
    assert format_number(0.5, VI, max_decimals=3) == "0,5"
    assert format_number(2.1, VI, signed=True) == "+2,1"
    assert format_number(0.001, VI, signed=True) == "0"
    assert format_number(0.0012, EN, keep_tiny=True) == "0.0012"
    assert format_number(-0.0012, VI, keep_tiny=True) == "-0,0012"
    assert format_number(1e-7, EN, keep_tiny=True, signed=True) == "+0.0000001"


def test_bilingual_text_is_vietnamese_first() -> None:
    text = bilingual("giá trị không hợp lệ", "invalid value")
    assert text == "giá trị không hợp lệ / invalid value"
    assert is_bilingual(text)
    assert not is_bilingual("invalid value")


def test_a_number_far_off_the_scale_is_still_written() -> None:
    # A projection of a runaway pace can be astronomically large; it must not crash.
    text = format_number(-4.0636913472878015e44, Language.VI)
    assert text.startswith("-406.369.134.728.780")


def test_what_was_written_before_does_not_change_what_is_written_next() -> None:
    # Roundings are remembered across calls: every option must still count.
    calls = [
        (value, language, decimals, signed, tiny)
        for value in (2.1, -2.1, 0.0012, -0.0, 1234.5678)
        for language in (VI, EN)
        for decimals in (0, 2, 3)
        for signed in (False, True)
        for tiny in (False, True)
    ]

    def written(order: list[tuple[float, Language, int, bool, bool]]) -> dict[object, str]:
        return {
            call: format_number(
                call[0], call[1], max_decimals=call[2], signed=call[3], keep_tiny=call[4]
            )
            for call in order
        }

    assert written(calls) == written(calls[::-1])
    assert written(calls)[(2.1, VI, 2, True, False)] == "+2,1"
    assert written(calls)[(2.1, EN, 2, False, False)] == "2.1"
    assert written(calls)[(0.0012, EN, 2, False, True)] == "0.0012"
    assert written(calls)[(0.0012, EN, 2, False, False)] == "0"
    assert written(calls)[(1234.5678, VI, 0, False, False)] == "1.235"
