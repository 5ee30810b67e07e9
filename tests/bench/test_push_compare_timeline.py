"""push_compare's workers breakdown reads each worker's log correctly (no servers: a written log)."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

from bench.push_compare import breakdown, steady_rate, timeline

SPAWN = datetime(2026, 12, 1, 5, 0, 0, tzinfo=UTC).timestamp()


def write_log(job: Path, records: list[tuple[float, str]]) -> None:
    """Records as the connector writes them: ``ts`` in ISO with milliseconds and Z, seconds after SPAWN."""
    (job / "logs").mkdir(parents=True)
    lines = []
    for offset, step in records:
        ts = datetime.fromtimestamp(SPAWN + offset, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        lines.append(json.dumps({"ts": ts, "level": "INFO", "message": step, "step": step, "detail": None}))
    (job / "logs" / "connector.jsonl").write_text("\n".join(lines) + "\n")


def test_a_worker_splits_into_startup_steady_and_tail(tmp_path: Path) -> None:
    write_log(
        tmp_path,
        [(0.75, "claim"), (0.8, "delta"), (2.5, "pushed"), (2.5, "pushed"), (2.6, "claim"), (4.25, "pushed")],
    )
    worker = timeline(tmp_path, SPAWN, SPAWN + 4.5)
    assert math.isclose(worker["startup_seconds"], 0.75, abs_tol=0.002)
    assert math.isclose(worker["steady_seconds"], 3.5, abs_tol=0.002)
    assert math.isclose(worker["tail_seconds"], 0.25, abs_tol=0.002)
    assert math.isclose(worker["total_seconds"], 4.5)
    assert worker["invoices"] == 3


def test_a_worker_that_found_the_queue_empty_has_no_steady_state(tmp_path: Path) -> None:
    write_log(tmp_path, [(1.5, "claim")])
    worker = timeline(tmp_path, SPAWN, SPAWN + 1.75)
    assert math.isclose(worker["startup_seconds"], 1.5, abs_tol=0.002)
    assert worker["steady_seconds"] is None
    assert worker["tail_seconds"] is None
    assert worker["invoices"] == 0


def test_steady_rate_sums_the_workers_and_breakdown_takes_medians() -> None:
    def worker(startup: float, steady: float | None, tail: float | None, invoices: int) -> dict[str, object]:
        return {"startup_seconds": startup, "steady_seconds": steady, "tail_seconds": tail, "invoices": invoices}

    run = {"timelines": [worker(1.0, 10.0, 0.2, 100), worker(2.0, 5.0, 0.4, 100), worker(3.0, None, None, 0)]}
    assert math.isclose(steady_rate(run), 10.0 + 20.0)
    medians = breakdown([run])
    expected = {"startup_seconds": 2.0, "steady_seconds": 7.5, "tail_seconds": 0.3, "invoices_per_worker": 100.0}
    assert medians.keys() == expected.keys()
    assert all(math.isclose(medians[key], value) for key, value in expected.items()), medians
