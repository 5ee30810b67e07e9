"""``nuntiq`` that dies of SIGKILL at a chosen moment: ``python crashing_run.py run PATH --settings ...``.

The crash-safety tests run a connector through this wrapper instead of
``python -m nuntiq_cli``. ``NUNTIQ_TEST_KILL_AT`` names an SDK method, or a
delivery step of ``nuntiq_sdk.sftp`` (the public seam
``observe_delivery_steps``: ``upload``, ``record``, ``rename``, ``forget``),
and the call on which the process kills itself, hard (no ``finally``, no
``atexit``, no flushed buffers, open SFTP handles and leases left as they
are)::

    NUNTIQ_TEST_KILL_AT="InvoiceLoad.acknowledge:2"            # before the 2nd call runs
    NUNTIQ_TEST_KILL_AT="step:rename:2:after"                  # once the 2nd file got its final name
    NUNTIQ_TEST_KILL_AT="step:record:1:before"                 # temporary files written, no journal record yet
    NUNTIQ_TEST_KILL_AT="IngestionLoad.submit:3:after"         # the 3rd invoice is in Nuntiq, its files not moved

``NUNTIQ_TEST_KILL_MATCH`` (optional) counts only the calls whose arguments,
rendered as text (``'tok', success=True``; for a step its path and target),
contain that string, e.g. ``success=True`` or ``.nuntiq-state``. Just before
dying the wrapper writes ``crashing_run: SIGKILL ...`` to stderr, so a test
can tell the kill it asked for from any other death.

``NUNTIQ_TEST_RIVAL_AT=N`` plays a rival writer: just before the Nth
``rename`` step, a file (not a CSV of ours) is written under the name that
rename is about to take, so the delivery has to pick the next free name.
Without these variables it is plain ``nuntiq``.
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
from nuntiq_sdk.sftp import DeliveryJournal, DeliveryStep, SFTPConnection, observe_delivery_steps

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


def arm_step(spec: str, match: str | None = None) -> None:
    """``step:NAME:N[:before|after]``: die at the ``n``-th (matching) delivery step ``NAME`` (the SDK's seam)."""
    _, name, count_text, *rest = spec.split(":")
    moment = rest[0] if rest else "before"
    if (
        name not in ("upload", "record", "rename", "forget")
        or moment not in ("before", "after")
        or not count_text.isdigit()
    ):
        raise SystemExit(f"{KILL_AT_ENV}={spec!r}: expected step:upload|record|rename|forget:N[:before|after]")
    kill_on = int(count_text)
    calls = 0

    def observe(step: DeliveryStep) -> None:
        nonlocal calls
        described = f"{step.path} -> {step.target}" if step.target else step.path
        if step.name != name or step.moment != moment or (match is not None and match not in described):
            return
        calls += 1
        if calls == kill_on:
            _die(f"{moment} step {name} {calls} ({described[:200]})")

    observe_delivery_steps(observe)


def arm(spec: str, match: str | None = None) -> None:
    """Patch ``Class.method`` so that its ``n``-th (matching) call kills the process ``before`` or ``after`` it runs."""
    if spec.startswith("step:"):
        arm_step(spec, match)
        return
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
    calls = 0

    def observe(step: DeliveryStep) -> None:
        nonlocal calls
        if step.name != "rename" or step.moment != "before" or step.target is None:
            return
        calls += 1
        if calls == on_call:
            step.connection.write_file(step.target, RIVAL_CONTENT)

    observe_delivery_steps(observe)


if __name__ == "__main__":
    rival_at = os.environ.get(RIVAL_AT_ENV)
    if rival_at:
        arm_rival(int(rival_at))
    kill_at = os.environ.get(KILL_AT_ENV)
    if kill_at:
        arm(kill_at, os.environ.get(KILL_MATCH_ENV) or None)
    raise SystemExit(main(sys.argv[1:]))
