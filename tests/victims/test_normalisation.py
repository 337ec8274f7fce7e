"""Rule 6's keys: a person or household matches however the handler typed them."""

import pytest

from config.phones import normalise_uk_phone
from victims.rules import household_key, normalise_address, normalise_name, normalise_postcode


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("07700 900123", "+447700900123"),
        ("07700-900-123", "+447700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("0044 (0)7700900123".replace("(0)", ""), "+447700900123"),
        ("447700900123", "+447700900123"),
        ("01632 960001", "+441632960001"),
        ("020 7946 0000", "+442079460000"),
    ],
)
def test_uk_numbers_in_any_format_become_e164(raw: str, expected: str) -> None:
    assert normalise_uk_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "999", "12345", "+1 202 555 0143", "07700 90012", "not a number"])
def test_a_non_uk_or_short_number_is_refused(raw: str) -> None:
    assert normalise_uk_phone(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("sw1a1aa", "SW1A 1AA"), ("SW1A 1AA", "SW1A 1AA"), (" m1  1ae ", "M1 1AE"), ("b338th", "B33 8TH")],
)
def test_postcodes_are_printed_the_royal_mail_way(raw: str, expected: str) -> None:
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize("raw", ["", "SW1A", "12345", "SW1A 1A"])
def test_a_malformed_postcode_is_refused(raw: str) -> None:
    assert normalise_postcode(raw) is None


def test_address_abbreviations_and_punctuation_do_not_matter() -> None:
    assert normalise_address("Flat 4, 12 Elm Rd.") == normalise_address("flat 4 12 ELM ROAD") == "FLAT 4 12 ELM ROAD"
    assert normalise_address("Apt 4, No. 12 Elm Road") == "FLAT 4 12 ELM ROAD"


def test_a_postcode_typed_into_the_address_is_ignored() -> None:
    assert normalise_address("12 Elm Road, SW1A 1AA", "SW1A 1AA") == "12 ELM ROAD"
    assert normalise_address("12 Elm Road sw1a1aa", "SW1A 1AA") == "12 ELM ROAD"


def test_the_household_key_is_the_same_however_typed() -> None:
    assert household_key("Flat 4, 12 Elm Rd", "sw1a1aa") == household_key("flat 4 12 elm road SW1A 1AA", "SW1A 1AA")
    assert household_key("Flat 4, 12 Elm Rd", "SW1A 1AA") != household_key("Flat 5, 12 Elm Rd", "SW1A 1AA")


def test_without_a_postcode_there_is_no_household() -> None:
    assert household_key("12 High Street", "") == ""


def test_names_match_without_case_spacing_or_apostrophes() -> None:
    assert normalise_name("  Siobhan  O'Brien ") == normalise_name("SIOBHAN OBRIEN") == "SIOBHAN OBRIEN"
