"""Small helpers shared by the exceptions, the transport and the logger."""

from __future__ import annotations

import datetime
import email.utils
import math

__all__ = ["parse_retry_after", "short_repr"]

_SHORT_REPR_LIMIT = 60


def short_repr(value: object, limit: int = _SHORT_REPR_LIMIT) -> str:
    """``repr(value)``, cut to ``limit`` characters with a trailing ``...``."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return text[: max(limit - 3, 1)] + "..."


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds or an HTTP-date.

    ``now`` is the current POSIX time (for the HTTP-date form). A date in the
    past gives 0; an unreadable value gives ``None``.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": UTC by RFC 5322
        when = when.replace(tzinfo=datetime.UTC)
    return max(when.timestamp() - now, 0.0)
