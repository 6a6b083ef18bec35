"""Amounts of credits. Stored and summed as integers of micro-credits, so that a balance is
exactly the sum of its entries; shown as decimal credits."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

MICROS_PER_CREDIT = 1_000_000


def to_micros(credits: float | str | Decimal) -> int:
    """Credits as micro-credits (rounded half to even); `ValueError` if it is not a number."""
    try:
        value = Decimal(str(credits))
    except InvalidOperation:
        raise ValueError(f"not an amount of credits: {credits!r}") from None
    if not value.is_finite():
        raise ValueError(f"not an amount of credits: {credits!r}")
    return int((value * MICROS_PER_CREDIT).to_integral_value(rounding=ROUND_HALF_EVEN))


def to_credits(micros: int) -> float:
    """Micro-credits as credits, for JSON (exact to the micro-credit)."""
    return micros / MICROS_PER_CREDIT


def show(micros: int) -> str:
    """Micro-credits as a decimal number of credits without trailing zeros: `12.5`."""
    text = f"{Decimal(micros) / MICROS_PER_CREDIT:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
