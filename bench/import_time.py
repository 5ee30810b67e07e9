"""How long ``import nuntiq_sdk`` (and one Load) takes, against ``import httpx``, which any SDK user pays anyway.

    python -m bench.import_time [--repeats K]

Each import runs in a fresh interpreter (``python -c``), sides interleaved,
wall time from spawn to exit; the interpreter's own start-up (``python -c
pass``) is measured too and subtracted. Medians go to stdout and
``bench/results/import_time.json``; target: ``import nuntiq_sdk`` <= 1.5x
``import httpx``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "import_time.json"
SIDES = {
    "python": "pass",
    "httpx": "import httpx",
    "nuntiq_sdk": "import nuntiq_sdk",
    "nuntiq_sdk + SupplierLoad": "import nuntiq_sdk; from nuntiq_sdk.objects.supplier import SupplierLoad",
}


def spawn(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_time", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    runs: dict[str, list[float]] = {side: [] for side in SIDES}
    for _ in range(args.repeats):
        for side, code in SIDES.items():
            runs[side].append(spawn(code))
    start_up = statistics.median(runs["python"])
    medians = {side: statistics.median(times) - start_up for side, times in runs.items() if side != "python"}
    print(f"import time, median of {args.repeats} fresh interpreters, start-up ({start_up * 1000:.0f} ms) subtracted")
    for side, seconds in medians.items():
        print(f"{side:28}{seconds * 1000:8.0f} ms{seconds / medians['httpx']:8.2f}x httpx")
    ratio = medians["nuntiq_sdk"] / medians["httpx"]
    print(f"\nimport nuntiq_sdk: {ratio:.2f}x import httpx (target <= 1.5x)")
    summary = {
        "repeats": args.repeats,
        "start_up_s": start_up,
        "seconds": medians,
        "ratio_to_httpx": {side: seconds / medians["httpx"] for side, seconds in medians.items()},
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=1) + "\n")
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
