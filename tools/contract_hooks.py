"""schemathesis hooks for ``nox -s contract`` (loaded through ``SCHEMATHESIS_HOOKS``).

Only what a real client always does, never a way around a check:

- every request that carries an ``Idempotency-Key`` gets a fresh one, as the
  SDK does, so two different generated bodies never share a key (which the
  spec answers with 422 IDEMPOTENCY_KEY_REUSED, by design);
- an upload declares the sha256 of the body it sends, the rule its operation
  documents (400 FILE_CHECKSUM_MISMATCH) and no schema can state.

Negative (schema-invalid) cases are left exactly as generated.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import schemathesis

_MAX_KEY_LENGTH = 255


def _is_positive(case: Any) -> bool:
    meta = getattr(case, "meta", None)
    mode = getattr(getattr(meta, "generation", None), "mode", None)
    return str(getattr(mode, "value", mode)).lower() != "negative"


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    headers = case.headers
    if headers and isinstance(headers.get("Idempotency-Key"), str):
        key = headers["Idempotency-Key"]
        if 1 <= len(key) <= _MAX_KEY_LENGTH:
            headers["Idempotency-Key"] = uuid.uuid4().hex
    if case.operation.label == "POST /ingestion/files" and _is_positive(case) and isinstance(case.query, dict):
        body = case.body if isinstance(case.body, bytes) else str(case.body or "").encode("utf-8")
        case.query["sha256"] = hashlib.sha256(body).hexdigest()
