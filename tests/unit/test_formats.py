"""The format checks the SDK and the sandbox share (``nuntiq_spec.formats``), tested directly.

Whole-flow tests run the same function on both sides of the wire, so a wrong
check there would pass them: these tests hold it against an independent
reference (ISO 13616 mod 97 written out here), against known-good values from
the registries, and against every single-character error.
"""

from __future__ import annotations

import random
import re
import string
from datetime import date

import pytest

from nuntiq_sandbox._store import parse_instant
from nuntiq_sdk.objects.lifecycle_message import _occurred_at_problem
from nuntiq_spec.formats import (
    COUNTRY_CODES,
    CURRENCY_CODES,
    FORMAT_SHAPES,
    IBAN_LENGTHS,
    KNOWN_FORMATS,
    check_format,
    format_check,
)

# Examples from the SWIFT IBAN registry and national banking associations (checksums verified by hand).
GOOD_IBANS = [
    "DE89370400440532013000",
    "GB82WEST12345698765432",  # letters in the BBAN
    "NL91ABNA0417164300",
    "FR1420041010050500013M02606",
    "BE68539007547034",
    "CH9300762011623852957",
    "NO9386011117947",  # the shortest registered length, 15
    "MT84MALT011000012345MTLCAST001S",
    "LC55HEMM000100010012001200023015",  # the longest registered length, 32
    "SE4550000000058398257466",
    "PL61109010140000071219812874",
]


def reference_mod97(iban: str) -> bool:
    """ISO 13616 as the standard words it: move the first four characters to the end, A=10 ... Z=35, mod 97 == 1."""
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def with_check_digits(country: str, bban: str) -> str:
    """The IBAN of ``bban`` with correct check digits (98 minus the remainder of the number with 00)."""
    remainder = int("".join(str(int(c, 36)) for c in bban + country + "00")) % 97
    return f"{country}{98 - remainder:02d}{bban}"


# -- IBAN -------------------------------------------------------------------------------------


@pytest.mark.parametrize("iban", GOOD_IBANS)
def test_registry_examples_pass(iban: str) -> None:
    assert reference_mod97(iban)
    assert check_format("iban", iban) is None


def test_every_single_character_error_fails_the_checksum() -> None:
    """Mod 97 catches every substitution of one character: each must be refused, none by accident let through."""
    iban = "DE89370400440532013000"
    for position in range(2, len(iban)):
        for replacement in string.digits:
            if replacement == iban[position]:
                continue
            wrong = iban[:position] + replacement + iban[position + 1 :]
            assert check_format("iban", wrong) == "fails the IBAN checksum (ISO 13616 mod 97)", wrong


def test_swapped_neighbours_fail_the_checksum() -> None:
    iban = "GB82WEST12345698765432"
    for position in range(4, len(iban) - 1):
        a, b = iban[position], iban[position + 1]
        if a == b:
            continue
        swapped = iban[:position] + b + a + iban[position + 2 :]
        assert check_format("iban", swapped) == "fails the IBAN checksum (ISO 13616 mod 97)", swapped


def test_the_checksum_agrees_with_the_reference_on_random_ibans() -> None:
    """Thousands of shaped values, about one in 97 valid: the shared check and the reference never differ."""
    rng = random.Random(15)
    alphabet = string.ascii_uppercase + string.digits
    agreed_valid = 0
    for _ in range(5000):
        country = rng.choice(sorted(IBAN_LENGTHS))
        length = IBAN_LENGTHS[country]
        bban = "".join(rng.choice(alphabet if rng.random() < 0.2 else string.digits) for _ in range(length - 4))
        iban = f"{country}{rng.randrange(100):02d}{bban}"
        expected = None if reference_mod97(iban) else "fails the IBAN checksum (ISO 13616 mod 97)"
        assert check_format("iban", iban) == expected, iban
        agreed_valid += expected is None
        fixed = with_check_digits(country, bban)
        assert check_format("iban", fixed) is None, fixed
    assert agreed_valid > 10  # the sample did reach the passing side


@pytest.mark.parametrize(
    ("iban", "message"),
    [
        ("DE8937040044053201300", "has 21 characters; a DE IBAN has 22"),
        ("DE893704004405320130000", "has 23 characters; a DE IBAN has 22"),
        ("NL91ABNA04171643", "has 16 characters; a NL IBAN has 18"),
    ],
)
def test_a_known_country_with_the_wrong_length_is_refused_by_length(iban: str, message: str) -> None:
    assert check_format("iban", iban) == message


def test_the_length_check_does_not_lean_on_the_checksum() -> None:
    """A value one character short whose checksum is right must still be refused, by its length."""
    short = with_check_digits("DE", "37040044053201300")
    assert reference_mod97(short)
    assert check_format("iban", short) == "has 21 characters; a DE IBAN has 22"


def test_a_country_outside_the_length_table_is_checked_by_checksum_only() -> None:
    assert "BI" not in IBAN_LENGTHS
    assert check_format("iban", "BI4210000100010000332045181") is None
    assert check_format("iban", "BI4310000100010000332045181") == "fails the IBAN checksum (ISO 13616 mod 97)"


SHAPE_MESSAGE = "is not an IBAN (two letters, two check digits, then 11-30 letters or digits, no spaces)"


@pytest.mark.parametrize(
    "iban",
    [
        "",
        "DE89 3704 0044 0532 0130 00",  # as printed on paper
        " DE89370400440532013000",
        "DE89370400440532013000 ",
        "DE89370400440532013000\n",  # a trailing newline must not slip through a `$`
        "de89370400440532013000",
        "De89370400440532013000",
        "DE89-370400440532013000",
        "DEXX370400440532013000",
        "1289370400440532013000",
        "DE893704004405",  # 14: below the shortest
        "DE89" + "1" * 31,  # 35: above the longest
        "DE89370400440532013\u0660\u0660\u0660",  # Arabic-Indic digits are digits to \d, not to an IBAN
        "DE89370400440532013\uff10\uff10\uff10",  # fullwidth digits
        "ÄE89370400440532013000",
    ],
)
def test_malformed_values_are_refused_by_shape(iban: str) -> None:
    assert check_format("iban", iban) == SHAPE_MESSAGE


def test_check_digits_00_and_01_are_refused() -> None:
    bban = next(b for b in (f"3704004405{n:08d}" for n in range(10**5)) if with_check_digits("DE", b)[2:4] == "98")
    assert check_format("iban", "DE98" + bban) is None
    assert check_format("iban", "DE01" + bban) is not None


# -- ISO 3166 and ISO 4217 ----------------------------------------------------------------------


def test_the_country_table_is_iso_3166_alpha_2() -> None:
    assert len(COUNTRY_CODES) == 249
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in COUNTRY_CODES)
    assert {"DE", "NL", "GB", "US", "CH", "AX", "SS", "BQ"} <= COUNTRY_CODES


@pytest.mark.parametrize("code", ["DE", "NL", "GB", "SS", "CW"])
def test_assigned_country_codes_pass(code: str) -> None:
    assert check_format("iso3166-alpha2", code) is None


@pytest.mark.parametrize(
    "code",
    ["de", "De", "UK", "EU", "XX", "ZZ", "AN", "YU", "DEU", "D", "", " DE", "DE ", "DE\n", "Germany", "\uff24\uff25"],
)
def test_other_country_codes_are_refused(code: str) -> None:
    assert check_format("iso3166-alpha2", code) == "is not an ISO 3166-1 alpha-2 country code"


def test_the_currency_table_is_iso_4217_alphabetic() -> None:
    assert all(re.fullmatch(r"[A-Z]{3}", code) for code in CURRENCY_CODES)
    assert {"EUR", "USD", "GBP", "CHF", "JPY", "SEK", "PLN", "XXX", "XTS"} <= CURRENCY_CODES


@pytest.mark.parametrize("code", ["EUR", "USD", "CHF", "XAU", "SLE", "ZWG"])
def test_active_currency_codes_pass(code: str) -> None:
    assert check_format("iso4217", code) is None


@pytest.mark.parametrize(
    "code",
    ["eur", "Eur", "EURO", "EU", "", " EUR", "EUR\n", "DEM", "FRF", "NLG", "HRK", "SLL", "ZWL", "BTC", "\u20ac"],
)
def test_withdrawn_or_invented_currency_codes_are_refused(code: str) -> None:
    assert check_format("iso4217", code) == "is not an active ISO 4217 currency code"


# -- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2026-11-15", "2024-02-29", "2000-02-29", "0001-01-01", "9999-12-31"])
def test_dates_that_exist_pass(value: str) -> None:
    assert check_format("date", value) is None


@pytest.mark.parametrize("value", ["2026-02-29", "1900-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "0000-01-01"])
def test_well_shaped_dates_that_do_not_exist_are_refused(value: str) -> None:
    assert check_format("date", value) == "is not a date that exists"


@pytest.mark.parametrize(
    "value",
    [
        "20261115",  # basic format: date.fromisoformat takes it, the spec's shape does not
        "2026-W46-7",  # an ISO week date: the same
        "2026-11-15T00:00:00Z",
        "2026-11-15 ",
        "2026-11-15\n",
        "2026-1-5",
        "15.11.2026",
        "11/15/2026",
        "+2026-11-15",
        "\uff12\uff10\uff12\uff16-11-15",
        "",
    ],
)
def test_other_date_shapes_are_refused(value: str) -> None:
    assert check_format("date", value) == "is not a date (YYYY-MM-DD)"


def test_every_day_of_a_leap_and_a_common_year_is_judged_like_the_calendar() -> None:
    for year in (2024, 2026):
        for month in range(1, 13):
            for day in range(1, 33):
                text = f"{year}-{month:02d}-{day:02d}"
                try:
                    date(year, month, day)
                    exists = True
                except ValueError:
                    exists = False
                assert (check_format("date", text) is None) == exists, text


# -- the contract of check_format ---------------------------------------------------------------


def test_the_known_formats() -> None:
    assert frozenset({"iso3166-alpha2", "iso4217", "iban", "date"}) == KNOWN_FORMATS
    assert format_check("iban") is not None
    assert format_check("email") is None


@pytest.mark.parametrize("value", [None, 42, 4.2, b"DE", ["DE"], {"code": "DE"}])
def test_non_strings_are_left_to_the_type_check(value: object) -> None:
    for spec_format in KNOWN_FORMATS:
        assert check_format(spec_format, value) is None


def test_an_unknown_format_passes_anything() -> None:
    assert check_format("uuid", "not a uuid") is None


@pytest.mark.parametrize("spec_format", sorted(FORMAT_SHAPES))
def test_a_value_outside_the_shape_never_passes_the_check(spec_format: str) -> None:
    """The SDK drops a spec pattern equal to the shape, trusting the check to refuse what the pattern would."""
    rng = random.Random(spec_format)
    shape = re.compile(FORMAT_SHAPES[spec_format])
    alphabet = string.ascii_letters + string.digits + " -+:T\n\u0660"
    for _ in range(3000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 36)))
        if not shape.fullmatch(value):
            assert check_format(spec_format, value) is not None, value


# -- date-times: the SDK's occurred_at check and the sandbox's parser --------------------------

# occurred_at is no spec format: the SDK checks it in lifecycle_message and the sandbox parses it in
# _store.parse_instant, both on datetime.fromisoformat. They must accept and refuse the same values.
INSTANTS = [
    ("2026-11-10T09:30:00Z", True),
    ("2026-11-10T09:30:00+01:00", True),
    ("2026-11-10T09:30:00-00:00", True),
    ("2026-11-10T09:30:00.123456Z", True),
    ("2026-11-10T09:30Z", True),
    ("2026-11-10 09:30:00+01:00", True),
    ("2026-11-10T09:30:00", False),  # naive: no offset
    ("2026-11-10", False),
    ("2026-11-10T24:00:01Z", False),
    ("2026-02-30T10:00:00Z", False),
    ("2026-11-10T09:30:00+25:00", False),
    ("last tuesday", False),
    ("", False),
    ("\uff12\uff10\uff12\uff16-11-10T09:30:00Z", False),
]


@pytest.mark.parametrize(("text", "valid"), INSTANTS)
def test_the_sdk_and_the_sandbox_agree_on_instants(text: str, valid: bool) -> None:
    assert (_occurred_at_problem(text) is None, parse_instant(text) is not None) == (valid, valid)


@pytest.mark.parametrize("text", [" 2026-11-10T09:30:00Z", "2026-11-10T09:30:00Z\n"])
def test_the_sdk_and_the_sandbox_agree_on_padded_instants(text: str) -> None:
    assert (_occurred_at_problem(text) is None) == (parse_instant(text) is not None)
