"""``tools/contract.py`` reads a schemathesis NDJSON report into the gate's figures: a refusal
by a rule the operation documents is listed apart, any other spec-valid refusal fails the gate."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from tools.contract import _gate_failures, documented_codes, summarize


def _scenario(label: str, check: str, status: int, problem: dict[str, Any]) -> dict[str, Any]:
    content = {"$base64": base64.b64encode(json.dumps(problem).encode()).decode()}
    return {
        "ScenarioFinished": {
            "phase": "fuzzing",
            "recorder": {
                "label": label,
                "cases": {"c1": {}},
                "checks": {
                    "c1": [
                        {"name": "not_a_server_error", "status": "success"},
                        {"name": check, "status": "failure", "failure_info": {"failure": {"operation": label}}},
                    ]
                },
                "interactions": {"c1": {"response": {"status_code": status, "content": content}}},
            },
        }
    }


def _report(tmp_path: Path, *events: dict[str, Any]) -> Path:
    path = tmp_path / "report.ndjson"
    path.write_text("\n".join(json.dumps(event) for event in events) + "\n", encoding="utf-8")
    return path


def test_the_operations_own_text_names_its_codes() -> None:
    codes = documented_codes()
    assert "FILE_CHECKSUM_MISMATCH" in codes["POST /ingestion/files"]
    assert "TABLE_NAME_NOT_APPLICABLE" in codes["POST /full-loads"]
    assert "VALIDATION_ERROR" not in codes["POST /full-loads"]


def test_documented_refusals_are_apart_and_others_fail_the_gate(tmp_path: Path) -> None:
    report = _report(
        tmp_path,
        _scenario("POST /ingestion/files", "positive_data_acceptance", 400, {"code": "FILE_CHECKSUM_MISMATCH"}),
        _scenario(
            "POST /suppliers/full-loads/{load_id}/rows",
            "positive_data_acceptance",
            400,
            {"code": "VALIDATION_ERROR", "errors": [{"field": "rows[0].name", "message": "REQUIRED_ON_CREATE: x"}]},
        ),
        _scenario("POST /suppliers/upsert", "positive_data_acceptance", 400, {"code": "VALIDATION_ERROR"}),
        _scenario("GET /suppliers", "not_a_server_error", 500, {"code": "INTERNAL_ERROR"}),
        _scenario("DELETE /full-loads/{load_id}", "use_after_free", 200, {}),
    )
    figures = summarize(report)
    assert figures["cases"] == 5
    assert figures["documented_refusals"] == {
        "POST /ingestion/files 400 FILE_CHECKSUM_MISMATCH": 1,
        "POST /suppliers/full-loads/{load_id}/rows 400 REQUIRED_ON_CREATE": 1,
    }
    assert figures["failures_by_check"] == {
        "positive_data_acceptance": 1,
        "not_a_server_error": 1,
        "use_after_free": 1,
    }
    assert _gate_failures(figures) == 2  # use_after_free is reported, not gated
