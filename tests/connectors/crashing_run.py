"""``nuntiq`` that dies of SIGKILL at a chosen moment: ``python crashing_run.py run PATH --settings ...``.

The crash-safety tests run a connector through this wrapper instead of
``python -m nuntiq_cli``. ``NUNTIQ_TEST_KILL_AT`` names an SDK method and the
call on which the process kills itself, hard (no ``finally``, no ``atexit``,
no flushed buffers, open SFTP handles and leases left as they are)::

    NUNTIQ_TEST_KILL_AT="InvoiceLoad.acknowledge:2"            # before the 2nd call runs
    NUNTIQ_TEST_KILL_AT="SFTPConnection._move_into_place:2:after"  # once the 2nd call has returned
    NUNTIQ_TEST_KILL_AT="IngestionLoad.submit:3:after"         # the 3rd invoice is in Nuntiq, its files not moved

``NUNTIQ_TEST_KILL_MATCH`` (optional) counts only the calls whose arguments,
rendered as text (``'tok', success=True``), contain that string, e.g.
``success=True`` or ``.nuntiq-state``. Just before dying the wrapper writes
``crashing_run: SIGKILL ...`` to stderr, so a test can tell the kill it asked
for from any other death.

``NUNTIQ_TEST_RIVAL_AT=N`` plays a rival writer: just before the Nth
``SFTPConnection._move_into_place`` call, a file (not a CSV of ours) is
written under the name that move is about to take, so the move has to pick
the next free name. Without these variables it is plain ``nuntiq``.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from nuntiq_cli.__main__ import main
from nuntiq_sdk.objects.ingestion import IngestionLoad
from nuntiq_sdk.objects.invoice import InvoiceLoad
from nuntiq_sdk.sftp import DeliveryJournal, SFTPConnection

KILL_AT_ENV = "NUNTIQ_TEST_KILL_AT"
KILL_MATCH_ENV = "NUNTIQ_TEST_KILL_MATCH"
RIVAL_AT_ENV = "NUNTIQ_TEST_RIVAL_AT"
KILL_MARKER = "crashing_run: SIGKILL"
RIVAL_CONTENT = b"written by someone else\n"
PATCHABLE: dict[str, type] = {
    "IngestionLoad": IngestionLoad,
    "InvoiceLoad": InvoiceLoad,
    "DeliveryJournal": DeliveryJournal,
    "SFTPConnection": SFTPConnection,
}


def _describe(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    return ", ".join([*(repr(a) for a in args), *(f"{k}={v!r}" for k, v in kwargs.items())])


def _die(where: str) -> None:
    sys.stderr.write(f"{KILL_MARKER} {where}\n")
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def arm(spec: str, match: str | None = None) -> None:
    """Patch ``Class.method`` so that its ``n``-th (matching) call kills the process ``before`` or ``after`` it runs."""
    target, _, rest = spec.partition(":")
    count_text, _, moment = rest.partition(":")
    class_name, _, method_name = target.partition(".")
    moment = moment or "before"
    if class_name not in PATCHABLE or moment not in ("before", "after") or not count_text.isdigit():
        raise SystemExit(f"{KILL_AT_ENV}={spec!r}: expected Class.method:N[:before|after], Class in {list(PATCHABLE)}")
    owner = PATCHABLE[class_name]
    original: Callable[..., Any] = getattr(owner, method_name)
    kill_on = int(count_text)
    calls = 0

    @functools.wraps(original)
    def patched(self: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        described = _describe(args, kwargs)
        if match is not None and match not in described:
            return original(self, *args, **kwargs)
        calls += 1
        where = f"{moment} {target} call {calls} ({described[:200]})"
        if calls == kill_on and moment == "before":
            _die(where)
        result = original(self, *args, **kwargs)
        if calls == kill_on and moment == "after":
            _die(where)
        return result

    setattr(owner, method_name, patched)


def arm_rival(on_call: int) -> None:
    """Before the ``on_call``-th rename into place, take the name it wants (as another writer would)."""
    original = SFTPConnection._rename_no_clobber
    calls = 0

    @functools.wraps(original)
    def patched(self: SFTPConnection, temp: str, final: str, *args: Any, **kwargs: Any) -> bool:
        nonlocal calls
        calls += 1
        if calls == on_call:
            with self.sftp.open(final, "wb") as handle:
                handle.write(RIVAL_CONTENT)
        return original(self, temp, final, *args, **kwargs)

    SFTPConnection._rename_no_clobber = patched  # type: ignore[method-assign]


if __name__ == "__main__":
    rival_at = os.environ.get(RIVAL_AT_ENV)
    if rival_at:
        arm_rival(int(rival_at))
    kill_at = os.environ.get(KILL_AT_ENV)
    if kill_at:
        arm(kill_at, os.environ.get(KILL_MATCH_ENV) or None)
    raise SystemExit(main(sys.argv[1:]))
