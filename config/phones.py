"""UK phone numbers: the product's one reading of a number a person typed.

Lives in `config`, beside `config.dates`, because every app needs it and this module imports
no app, so the lowest layer may use it. The victim's record (victims), the prevention text's
number (thrive) and the texts sent (victims) all read numbers here, so the same typing gives
the same number everywhere and a victim's phone matches the number a text went to.

What is read: a UK number written the ways people write it, "07700 900123", "+44 7700
900123", "447700900123", "0044 7700 900123", "+44 (0)7700 900123", with spaces, dashes,
dots or brackets between the digits. Digits must be ASCII 0-9: Python's `\\d` also takes
full-width and Arabic-Indic digits, which a gateway cannot send to and a look-up would never
match.

What comes out: E.164, "+44" and the national number without its leading 0.
- `normalise_uk_mobile`: a mobile (+447 and nine digits) or None: the number a text goes to.
- `normalise_uk_phone`: any UK number, mobiles included, or None: a victim's record, where a
  landline still finds the earlier incidents of the same household.
A mobile reads the same through both. libphonenumber (the `phonenumbers` package) is not
used: its metadata refuses Ofcom's 07700 900xxx drama range, which training and tests use,
and it turns non-ASCII digits into ASCII ones instead of refusing them.
"""

import re

MOBILE_ERROR = "Enter a UK mobile number, like 07700 900123"
PHONE_ERROR = "Enter a UK phone number, like 07700 900123 or 01632 960001"

# Spaces (a number pasted from an email may carry a non-breaking one), dashes and dots:
# nothing here is a digit, so taking any Unicode space lets no foreign digit through.
_SEPARATORS = re.compile(r"[\s\-.]")
# "+44 (0)7700 900123": the bracketed trunk 0 written after the country code.
_TRUNK_ZERO = re.compile(r"^((?:\+|00)?44)\(0\)", re.ASCII)
_BRACKETS = re.compile(r"[()]")
# After the country code (+44, 0044 or 44) or the trunk 0: a mobile is 7 and nine digits;
# landlines and other numbers start 1-6, 8 or 9 and have nine or ten digits.
_UK_NUMBER = re.compile(r"(?:\+44|0044|44|0)(7[0-9]{9}|[1-689][0-9]{8,9})", re.ASCII)


def normalise_uk_phone(raw: str | None) -> str | None:
    """Any UK number in E.164 (+44...), or None when `raw` is not one."""
    compact = _SEPARATORS.sub("", raw or "")
    compact = _BRACKETS.sub("", _TRUNK_ZERO.sub(r"\1", compact))
    match = _UK_NUMBER.fullmatch(compact)
    return f"+44{match.group(1)}" if match else None


def normalise_uk_mobile(raw: str | None) -> str | None:
    """A UK mobile number in E.164 (+447 and nine digits), or None when `raw` is not one."""
    number = normalise_uk_phone(raw)
    return number if number is not None and number.startswith("+447") else None
