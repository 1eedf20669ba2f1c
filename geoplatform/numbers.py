"""Bounds for amounts people type (quantities, investments): what is outside them is a typing error."""

from __future__ import annotations

from decimal import Decimal

MAX_EXPONENT = 15
MIN_EXPONENT = -9
MAX_DIGITS = 30


def sensible(number: Decimal) -> bool:
    """Zero, or between 10⁻⁹ and 10¹⁶ with at most 30 digits. Anything else is a slip of the keyboard,
    and 1E-500000 or 1E+999999 would overflow PostgreSQL's numeric (a server error, not an answer)."""
    if number == 0:
        return True
    return MIN_EXPONENT <= number.adjusted() <= MAX_EXPONENT and len(number.as_tuple().digits) <= MAX_DIGITS
