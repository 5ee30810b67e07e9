"""Remote names: safe whatever the input, one collision rule, recognisable temporary names."""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["MAX_COLLISION_SUFFIX", "TEMP_PREFIX", "TEMP_SUFFIX", "candidates", "safe_remote_name", "suffixed"]

TEMP_PREFIX = ".nuntiq-"
TEMP_SUFFIX = ".tmp"
MAX_NAME_STEM = 100
MAX_COLLISION_SUFFIX = 999
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def safe_remote_name(stem: object, extension: str = "") -> str:
    """A file name any SFTP server (and Windows) accepts, whatever ``stem`` holds.

    Characters other than ASCII letters, digits, ``-`` and ``_`` become ``_`` (runs of them one);
    an empty result is ``UNKNOWN``; names are capped at 100 characters; Windows'
    reserved device names get a leading ``_``. ``extension`` (e.g. ``".csv"``)
    must itself be safe.
    """
    if extension and not re.fullmatch(r"\.[A-Za-z0-9]{1,10}", extension):
        raise ValueError(f"extension {extension!r} must be a dot and 1-10 ASCII letters or digits")
    text = re.sub("_+", "_", _UNSAFE.sub("_", str(stem if stem is not None else "")))[:MAX_NAME_STEM].strip("_")
    text = text or "UNKNOWN"
    if text.upper() in _WINDOWS_RESERVED:
        text = f"_{text}"
    return f"{text}{extension}"


def suffixed(name: str, n: int) -> str:
    """The one collision rule: ``INV-1.pdf`` -> ``INV-1-2.pdf`` for n=2; n=0 is the name itself."""
    if n == 0:
        return name
    stem, dot, extension = name.rpartition(".")
    return f"{stem}-{n}.{extension}" if dot and stem else f"{name}-{n}"


def candidates(name: str) -> Iterator[str]:
    """``name``, then ``suffixed(name, 1)`` ... ``suffixed(name, MAX_COLLISION_SUFFIX)``."""
    for n in range(MAX_COLLISION_SUFFIX + 1):
        yield suffixed(name, n)


def temp_prefix(owner: str) -> str:
    """``.nuntiq-<owner>~``: '~' never occurs in a safe name, so one owner's prefix never matches another's."""
    return f"{TEMP_PREFIX}{safe_remote_name(owner)}~"


def split_name(name: str) -> tuple[str, str]:
    """``(stem, ".ext")`` of a remote name, as ``safe_remote_name`` takes them."""
    stem, dot, extension = name.rpartition(".")
    return (stem, f".{extension}") if dot and stem else (name, "")
