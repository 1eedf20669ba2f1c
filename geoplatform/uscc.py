"""Unified social credit codes (统一社会信用代码, GB 32100-2015) and their check character.

The same rule runs inside PostgreSQL (``gp_uscc_valid``, created by the first migration) so that a
row written by any client is checked; this Python copy gives importers and forms a clear message
before the database is asked.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters a code may use (no I, O, S, V, Z)."""

WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    """The 18th character for the first 17 characters of a code."""
    if len(first17) != 17 or any(c not in ALPHABET for c in first17):
        raise ValueError("a unified social credit code has 17 characters before the check character")
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    """True when ``code`` has 18 allowed characters and the right check character."""
    code = code.strip().upper()
    if len(code) != 18 or any(c not in ALPHABET for c in code):
        return False
    return check_character(code[:17]) == code[17]
