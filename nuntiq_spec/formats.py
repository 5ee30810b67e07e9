"""Checks for the custom ``format`` values of the Customer API spec.

The spec names formats that a pattern alone cannot state: ``iso3166-alpha2``
(an assigned country code), ``iso4217`` (an active currency code), ``iban``
(ISO 13616: the mod-97 checksum, and the length the registry fixes for the
country) and ``date`` (a calendar date that exists, ``YYYY-MM-DD``). The SDK
applies them before sending and the sandbox applies the same function when it
receives, so both sides agree on every value::

    check_format("iban", "DE89370400440532013001")  # -> "... fails the IBAN checksum"

``check_format`` returns a message (to follow the field name) or ``None``;
values that are not strings, and formats it does not know, pass: the type
check and the server own those.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from datetime import date

__all__ = [
    "COUNTRY_CODES",
    "CURRENCY_CODES",
    "FORMAT_SHAPES",
    "IBAN_LENGTHS",
    "KNOWN_FORMATS",
    "check_format",
    "format_check",
]

# ISO 3166-1 alpha-2: every officially assigned code (249).
COUNTRY_CODES: frozenset[str] = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW
    BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI
    FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN
    IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME
    MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF
    PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE
    YT ZA ZM ZW
    """.split()  # noqa: SIM905 - a table reads better than 249 quoted strings
)

# ISO 4217 list one: the active alphabetic codes (currencies, funds and the X-codes).
CURRENCY_CODES: frozenset[str] = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
    CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
    GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW
    KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN
    NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS
    SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND
    VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWG
    """.split()  # noqa: SIM905 - a table reads better than 249 quoted strings
)

# IBAN lengths from the SWIFT IBAN registry, for the countries connectors meet most.
# A country not listed here is checked by its checksum only.
IBAN_LENGTHS: Mapping[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip

_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# A-Z -> 10..35, as ISO 13616 rewrites letters before the mod-97 check. A list indexed by code point,
# not a dict: str.translate looks entries up three times faster in a list (only ASCII reaches it).
_IBAN_DIGITS: list[str] = [chr(c) for c in range(128)]
_IBAN_DIGITS[ord("A") : ord("Z") + 1] = [str(10 + i) for i in range(26)]
_LETTER_PAIRS = {a + b: (a + b).translate(_IBAN_DIGITS) for a in string.ascii_uppercase for b in string.ascii_uppercase}


def _country(value: str) -> str | None:
    return None if value in COUNTRY_CODES else "is not an ISO 3166-1 alpha-2 country code"


def _currency(value: str) -> str | None:
    return None if value in CURRENCY_CODES else "is not an active ISO 4217 currency code"


def _iban(value: str) -> str | None:
    if not _IBAN_SHAPE.fullmatch(value):
        return "is not an IBAN (two letters, two check digits, then 11-30 letters or digits, no spaces)"
    expected = IBAN_LENGTHS.get(value[:2])
    if expected is not None and len(value) != expected:
        return f"has {len(value)} characters; a {value[:2]} IBAN has {expected}"
    bban = value[4:]
    if not bban.isdigit():
        bban = bban.translate(_IBAN_DIGITS)
    if int(bban + _LETTER_PAIRS[value[:2]] + value[2:4]) % 97 != 1:
        return "fails the IBAN checksum (ISO 13616 mod 97)"
    if value[2:4] in ("00", "01"):  # the mod-97 aliases of 97 and 98: ISO 13616 check digits run 02-98
        return "has check digits 00 or 01; ISO 13616 check digits run from 02 to 98"
    return None


def _date(value: str) -> str | None:
    if not _DATE_SHAPE.fullmatch(value):
        return "is not a date (YYYY-MM-DD)"
    try:
        date.fromisoformat(value)
    except ValueError:
        return "is not a date that exists"
    return None


FORMAT_CHECKS: Mapping[str, Callable[[str], str | None]] = {
    "iso3166-alpha2": _country,
    "iso4217": _currency,
    "iban": _iban,
    "date": _date,
}

KNOWN_FORMATS: frozenset[str] = frozenset(FORMAT_CHECKS)


# The shape each format's check enforces first: a spec pattern equal to it need not be tested again.
FORMAT_SHAPES: Mapping[str, str] = {"iban": _IBAN_SHAPE.pattern, "date": _DATE_SHAPE.pattern}


def format_check(format: str) -> Callable[[str], str | None] | None:
    """The check of one format, for callers that have already made sure the value is a string."""
    return FORMAT_CHECKS.get(format)


def check_format(format: str, value: object) -> str | None:
    """The problem with ``value`` under the spec's ``format``, or None when it passes."""
    check = FORMAT_CHECKS.get(format)
    if check is None or not isinstance(value, str):
        return None
    return check(value)
