"""config.phones: the one reading of a UK phone number, for victims, prevention texts and texts."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config.phones import normalise_uk_mobile, normalise_uk_phone

MOBILE = "+447700900123"
E164_MOBILE = re.compile(r"\+447[0-9]{9}", re.ASCII)
E164_UK = re.compile(r"\+44[0-9]{9,10}", re.ASCII)

WRITTEN_FORMS = [
    "07700900123",
    "07700 900123",
    "07700 900 123",
    "07700-900-123",
    "07700.900.123",
    "(07700) 900123",
    "+447700900123",
    "+44 7700 900123",
    "+44-7700-900-123",
    "447700900123",
    "44 7700 900123",
    "00447700900123",
    "0044 7700 900123",
    "+44 (0)7700 900123",
    "+44(0)7700900123",
    "0044 (0)7700 900123",
    "44 (0) 7700 900 123",
    " 07700 900123 ",
    "07700\u00a0900123",  # a non-breaking space, as a number pasted from an email has
]


@pytest.mark.parametrize("raw", WRITTEN_FORMS)
def test_a_mobile_written_the_common_ways_reads_as_one_number(raw):
    assert normalise_uk_mobile(raw) == MOBILE
    assert normalise_uk_phone(raw) == MOBILE


@pytest.mark.parametrize(
    "raw",
    [
        "07700９00123",  # a full-width nine
        "０７７００９００１２３",
        "07700٩00123",  # an Arabic-Indic nine
        "+447700９00123",
        "４４7700900123",
        "07700 90012",  # a digit short
        "077009001234",  # a digit long
        "+44 07700 900123",  # the trunk 0 only in brackets
        "+1 202 555 0143",
        "7700900123",
        "+44 (0)",
        "0",
        "",
        "07700 900123 ext 4",
        "07700 900123\x00",
        "++447700900123",
    ],
)
def test_anything_else_is_not_a_mobile(raw):
    assert normalise_uk_mobile(raw) is None
    assert normalise_uk_phone(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("01632 960001", "+441632960001"), ("020 7946 0000", "+442079460000"), ("+44 (0)20 7946 0000", "+442079460000")],
)
def test_a_landline_is_a_uk_number_but_not_a_mobile(raw, expected):
    assert normalise_uk_phone(raw) == expected
    assert normalise_uk_mobile(raw) is None


# --- properties ----------------------------------------------------------------------------------

# Text built from what numbers are written with, and every other character too.
_number_like = st.text(alphabet=st.sampled_from("0123456789+()-. 4470９٣\u00a0"), max_size=24)
_anything = st.text(max_size=30)
_mobile_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)
_prefixes = st.sampled_from(["0", "+44", "44", "0044", "+44 (0)", "0044(0)", "+44-"])


@given(st.one_of(_number_like, _anything))
def test_the_mobile_reading_only_ever_gives_plus_447_and_nine_ascii_digits(raw):
    number = normalise_uk_mobile(raw)
    assert number is None or E164_MOBILE.fullmatch(number)


@given(st.one_of(_number_like, _anything))
def test_the_uk_reading_only_ever_gives_plus_44_and_ascii_digits(raw):
    number = normalise_uk_phone(raw)
    assert number is None or E164_UK.fullmatch(number)


@given(st.one_of(_number_like, _anything))
def test_reading_is_idempotent(raw):
    for read in (normalise_uk_mobile, normalise_uk_phone):
        number = read(raw)
        if number is not None:
            assert read(number) == number


@given(_prefixes, _mobile_digits, st.sampled_from(["", " ", "-", "."]))
def test_every_written_form_of_a_mobile_reads_as_the_same_number(prefix, digits, separator):
    raw = f"{prefix}7{separator.join([digits[:3], digits[3:6], digits[6:]])}"
    assert normalise_uk_mobile(raw) == f"+447{digits}"
    assert normalise_uk_phone(raw) == f"+447{digits}"


@given(st.one_of(_number_like, _anything))
def test_a_mobile_reads_the_same_as_a_victims_number_and_as_a_texts(raw):
    mobile = normalise_uk_mobile(raw)
    if mobile is not None:
        assert normalise_uk_phone(raw) == mobile
