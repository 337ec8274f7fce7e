"""Whole numbers read from a query string or a form field, through one door.

`int()` accepts what no client should send here and fails on what it should refuse: "²"
passes `str.isdigit()` and then raises in `int()`, while `int()` takes digits of other scripts
(Arabic-Indic, fullwidth) as numbers; 5,000 digits raise too (Python's
int-from-string limit); 25 digits parse and overflow PostgreSQL's bigint in the query. Each
was a 500. This accepts ASCII digits only, within the bounds given (by default those of a
bigint primary key), and says None for anything else, so the caller chooses 400 or a default.
"""

import re

BIGINT_MAX = 2**63 - 1
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def whole_number(raw: object, *, minimum: int = 1, maximum: int = BIGINT_MAX) -> int | None:
    """`raw` as an int when it is 1-19 ASCII digits within [minimum, maximum], else None."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None
