"""How figures and reasons are written for the people who read them: Vietnamese first.

One implementation for every service, so a number reads the same in a leader's alert,
an agency's error and a data officer's report: Vietnamese writes 1.005.735 and 36,82;
English writes 1,005,735 and 36.82. Rounding is half-up on the decimal value (0,125 →
0,13), never the binary float's half-even. Nothing depends on the machine's locale.

Text read by both an agency and its developer is bilingual: Vietnamese, " / ", then
English (`bilingual`), the form of the catalog's data-quality reasons and the leaders'
messages.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import cache, lru_cache

from ioc_contracts.catalog import Language

BILINGUAL_SEPARATOR = " / "


def bilingual(vietnamese: str, english: str) -> str:
    """ "Vietnamese / English": what an agency's staff and its developer both read."""
    return f"{vietnamese}{BILINGUAL_SEPARATOR}{english}"


def is_bilingual(text: str) -> bool:
    return BILINGUAL_SEPARATOR in text


# The default context keeps 28 digits: a projection far off the scale (1e44) would not
# fit once quantized to hundredths. A float has at most 309 integer digits. One context
# for every call: entering a fresh local context was a quarter of each call's time.
_WIDE = Context(prec=400)
_VIETNAMESE_MARKS = str.maketrans({",": ".", ".": ","})


@cache
def _step(max_decimals: int) -> Decimal:
    return Decimal(1).scaleb(-max_decimals)


def format_number(
    value: float,
    language: Language,
    *,
    max_decimals: int = 2,
    signed: bool = False,
    keep_tiny: bool = False,
) -> str:
    """`value` rounded half-up to `max_decimals`, trailing zeros dropped, grouped by thousands.

    `signed` writes "+" before a positive number; `keep_tiny` shows a non-zero value that
    would round to 0 with two significant digits instead (0,0012 rather than 0).
    """
    english, vietnamese, sign = _rounded(float(value), max_decimals, keep_tiny)
    text = vietnamese if language is Language.VI else english
    if sign < 0:
        return f"-{text}"
    return f"+{text}" if signed and sign > 0 else text


# Every figure is written twice (a Vietnamese and an English reason) and the same limits,
# targets and rates recur across a pass: remembering recent roundings took this
# function's samples in the alert pass down by two fifths. (-0.0 and 0.0 share a key;
# both are written "0".)
@lru_cache(maxsize=4096)
def _rounded(value: float, max_decimals: int, keep_tiny: bool) -> tuple[str, str, int]:
    """|value| rounded, in English and Vietnamese digits, and the sign of the rounded value."""
    english = _rounded_binary(value, max_decimals)
    if english is None or (english == "0" and keep_tiny and value != 0):
        return _rounded_decimal(value, max_decimals, keep_tiny)
    sign = 0 if english == "0" else (1 if value > 0 else -1)
    return english, english.translate(_VIETNAMESE_MARKS), sign


# Rates and projections are rarely the same float twice, so most roundings of a pass
# miss the cache above: formatting the float itself (C) costs a quarter of the decimal
# path. Both agree wherever the value is not within a hair of a tie (…5 at the next
# digit): the float's shortest digits (what the decimal path rounds) and its exact
# binary value (what the formatting rounds) lie less than one unit in the last place
# apart, so a tie between them is the only place their roundings part. Near a tie, and
# for magnitudes where a unit in the last place is no longer tiny, the decimal path
# decides.
_BINARY_LIMIT = 1e12
_SCALES = tuple(10.0**k for k in range(10))


def _rounded_binary(value: float, max_decimals: int) -> str | None:
    magnitude = abs(value)
    # NaN is not below the limit; a negative count of decimals rounds to tens (the rule's).
    if not magnitude < _BINARY_LIMIT or not 0 <= max_decimals < len(_SCALES):
        return None
    scale = _SCALES[max_decimals]
    scaled = magnitude * scale
    # Room for the product's own rounding and for the distance between the shortest
    # digits and the binary value, both far below it for these magnitudes.
    margin = math.ulp(scaled) + scale * math.ulp(magnitude)
    if abs(scaled - int(scaled) - 0.5) <= 2 * margin:
        return None
    english = f"{magnitude:,.{max_decimals}f}"
    if "." in english:
        english = english.rstrip("0").rstrip(".")
    return english


def _rounded_decimal(value: float, max_decimals: int, keep_tiny: bool) -> tuple[str, str, int]:
    """The rule itself, on the float's shortest decimal digits."""
    exact = Decimal(repr(value))
    rounded = exact.quantize(_step(max_decimals), rounding=ROUND_HALF_UP, context=_WIDE)
    if rounded == 0:
        rounded = Decimal(f"{value:.2g}") if keep_tiny and value != 0 else Decimal(0)
    english = f"{abs(rounded):,f}"
    if "." in english:
        english = english.rstrip("0").rstrip(".")
    sign = (rounded > 0) - (rounded < 0)
    return english, english.translate(_VIETNAMESE_MARKS), sign
