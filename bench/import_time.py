"""How long ``import nuntiq_sdk`` (and one Load) takes, against ``import httpx``, which any SDK user pays anyway.

    python -m bench.import_time [--repeats K]

Each import runs in a fresh interpreter (``python -c``), sides interleaved:
wall time from spawn to exit and the child's CPU time (user + system, from
``os.wait4``; steadier than wall time on a shared machine); the
interpreter's own start-up (``python -c pass``) is measured too and
subtracted from both. Run it where the SDK is installed as a deployment
installs it (``nox -s bench`` does): with the dev tools' rich and pygments
present, ``import httpx`` also imports its command-line client. Medians go to stdout and
``bench/results/import_time.json``; target: ``import nuntiq_sdk`` <= 1.5x
``import httpx``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "import_time.json"
TARGET = 1.5
SIDES = {
    "python": "pass",
    "httpx": "import httpx",
    "nuntiq_sdk": "import nuntiq_sdk",
    "nuntiq_sdk + SupplierLoad": "import nuntiq_sdk; from nuntiq_sdk.objects.supplier import SupplierLoad",
}


def spawn(code: str) -> tuple[float, float]:
    """Wall and CPU seconds of ``python -c code`` in a fresh interpreter."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code])
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"python -c {code!r} exited with {process.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_time", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    runs: dict[str, list[tuple[float, float]]] = {side: [] for side in SIDES}
    for _ in range(args.repeats):
        for side, code in SIDES.items():
            runs[side].append(spawn(code))
    summary: dict[str, Any] = {"repeats": args.repeats, "target": TARGET}
    print(f"import time, median of {args.repeats} fresh interpreters, the interpreter's start-up subtracted")
    print(f"{'':28}{'wall ms':>9}{'ratio':>8}{'CPU ms':>9}{'ratio':>8}")
    for index, measure in enumerate(("wall", "cpu")):
        start_up = statistics.median(run[index] for run in runs["python"])
        medians = {
            side: statistics.median(run[index] for run in times) - start_up
            for side, times in runs.items()
            if side != "python"
        }
        summary[measure] = {
            "start_up_s": start_up,
            "seconds": medians,
            "ratio_to_httpx": {side: seconds / medians["httpx"] for side, seconds in medians.items()},
        }
    for side in SIDES:
        if side != "python":
            wall, cpu = summary["wall"], summary["cpu"]
            print(
                f"{side:28}{wall['seconds'][side] * 1000:9.0f}{wall['ratio_to_httpx'][side]:7.2f}x"
                f"{cpu['seconds'][side] * 1000:9.0f}{cpu['ratio_to_httpx'][side]:7.2f}x"
            )
    for measure in ("wall", "cpu"):
        ratio = summary[measure]["ratio_to_httpx"]["nuntiq_sdk"]
        verdict = "met" if ratio <= TARGET else "NOT met"
        print(f"import nuntiq_sdk, {measure}: {ratio:.2f}x import httpx (target <= {TARGET}x: {verdict})")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=1) + "\n")
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
