import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ioc_catalog import wording
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


# Most roundings take a fast path (the float formatted as it is) and fall back to the
# rule itself (the shortest decimal digits, half-up) near a tie: the two must never
# write a number differently.

_ANY_FLOAT = st.floats(allow_nan=False, allow_infinity=False)
# Ties and near-ties of the decimal digits: "k.dd5", "k.dd49999", "k.dd50001"…
_NEAR_TIES = st.builds(
    lambda whole, cents, tail, negative: float(
        f"{'-' if negative else ''}{whole}.{cents:02d}{tail}"
    ),
    st.integers(0, 10**13),
    st.integers(0, 99),
    st.sampled_from(["5", "49999999", "50000001", "4999999999999", "5000000000001", "05", "95"]),
    st.booleans(),
)


@settings(max_examples=3000)
@given(
    value=st.one_of(_ANY_FLOAT, _NEAR_TIES, st.integers(-(10**6), 10**6).map(lambda n: n / 200)),
    decimals=st.integers(-2, 12),
    tiny=st.booleans(),
)
@example(value=1.005, decimals=2, tiny=False)  # binary 1.00499999…: the digits say 1.01
@example(value=0.125, decimals=2, tiny=False)  # an exact binary tie: half-up, not half-even
@example(value=2.5, decimals=0, tiny=False)
@example(value=999_999_999_999.995, decimals=2, tiny=False)  # at the fast path's limit
@example(value=0.004, decimals=2, tiny=True)  # rounds to zero: the tiny rule decides
@example(value=-0.0, decimals=2, tiny=True)
@example(value=1234.5678, decimals=-1, tiny=False)  # to tens: the rule's own reading
@example(value=5e-324, decimals=11, tiny=True)
def test_the_fast_rounding_writes_what_the_rule_writes(
    value: float, decimals: int, tiny: bool
) -> None:
    assert wording._rounded.__wrapped__(value, decimals, tiny) == wording._rounded_decimal(
        value, decimals, tiny
    )


def test_the_fast_path_declines_ties_and_huge_or_undefined_values() -> None:
    assert wording._rounded_binary(0.125, 2) is None
    assert wording._rounded_binary(1.005, 2) is None
    assert wording._rounded_binary(2.5, 0) is None
    assert wording._rounded_binary(4e44, 2) is None
    assert wording._rounded_binary(float("nan"), 2) is None
    assert wording._rounded_binary(float("inf"), 2) is None
    # …and takes the rest: what it is there for.
    assert wording._rounded_binary(36.8219, 2) == "36.82"
    assert wording._rounded_binary(-1234.5678, 2) == "1,234.57"
