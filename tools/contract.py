"""``nox -s contract``: schemathesis against a fresh sandbox, and the figures the contract gate counts.

Starts a sandbox on 127.0.0.1 (port picked by the OS), gives it a tenant with
every permission and claimable invoices, runs ``schemathesis run`` on
``openapi/customer-api.yaml`` with every check and every phase (examples,
coverage, fuzzing, and the stateful phase over the spec's ``links``), fresh
Idempotency-Keys (``tools/contract_hooks.py``), and reads its NDJSON report:

- cases generated, and failures by check (unique failures: schemathesis
  reports each distinct failure once);
- a ``positive_data_acceptance`` failure (a spec-valid request refused) whose
  answer is a problem with a code that the operation's own text documents
  (e.g. 404 INVOICE_NOT_FOUND, 400 INVALID_CURSOR for a made-up cursor), or a
  VALIDATION_ERROR whose every field error starts with such a code (a staged
  row's REQUIRED_ON_CREATE), is a business rule the spec cannot express and is
  counted apart; any other refusal is a spec-valid request refused.

Exit 0 only with 0 server errors, 0 response-schema violations, 0 status-code
or content-type mismatches and 0 spec-valid requests refused (the gate of
issue 12). The other checks (negative_data_rejection, use_after_free, ...) are
printed with their findings, and do not fail the gate.

    python -m tools.contract [--max-examples 25] [--max-time 150] [--workers 2] [--seed N]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from nuntiq_spec import customer_api_spec

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "customer-api.yaml"
CONFIG = ROOT / "tools" / "schemathesis.toml"
GATED = (
    "not_a_server_error",
    "response_schema_conformance",
    "status_code_conformance",
    "content_type_conformance",
)
# A problem code as the spec's prose names it: an upper-case word (REQUIRED) or words joined by _.
_CODE = re.compile(r"\b[A-Z][A-Z0-9]+(?:_[A-Z0-9]+)*\b")


def documented_codes() -> dict[str, set[str]]:
    """Operation label (``POST /path``) -> the problem codes its own text names (summary,
    description, and the descriptions of the responses it lists)."""
    spec = customer_api_spec()  # the spec the SDK and the sandbox read (nuntiq_spec), not a second parse
    shared = spec.get("components", {}).get("responses", {})
    codes: dict[str, set[str]] = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            texts = [operation.get("summary", ""), operation.get("description", "")]
            for response in operation["responses"].values():
                ref = response.get("$ref", "")
                resolved = shared.get(ref.rsplit("/", 1)[-1], {}) if ref else response
                texts.append(resolved.get("description", ""))
            codes[f"{method.upper()} {path}"] = set(_CODE.findall("\n".join(texts))) - {"VALIDATION_ERROR"}
    return codes


def _row_rule_codes(problem: Any, documented: set[str]) -> str | None:
    """For a VALIDATION_ERROR whose every field error starts with a documented rule's code
    (``REQUIRED_ON_CREATE: ...``), those codes joined; else None."""
    if not isinstance(problem, dict) or problem.get("code") != "VALIDATION_ERROR":
        return None
    found = set()
    for error in problem.get("errors") or [{}]:
        match = re.match(r"([A-Z][A-Z0-9_]+):", str(error.get("message", "")))
        if match is None or match.group(1) not in documented:
            return None
        found.add(match.group(1))
    return "+".join(sorted(found))


def _decode(value: Any) -> str:
    if isinstance(value, dict) and "$base64" in value:
        return base64.b64decode(value["$base64"]).decode("utf-8", "replace")
    return "" if value is None else str(value)


def _events(report: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    with report.open(encoding="utf-8") as lines:
        for line in lines:
            event = json.loads(line)
            kind = next(iter(event))
            yield kind, event[kind]


def summarize(report: Path) -> dict[str, Any]:
    """The gate's figures from a schemathesis NDJSON report."""
    codes = documented_codes()
    cases = 0
    failures: Counter[str] = Counter()
    documented: Counter[str] = Counter()
    examples: dict[str, str] = {}
    errors: list[str] = []
    internal: list[str] = []
    for kind, event in _events(report):
        if kind == "NonFatalError":
            value = event.get("value", {})
            text = f"{event.get('label')}: {value.get('type')}: {str(value.get('message', ''))[:200]}"
            # A crash inside schemathesis' own generator (CPython's SystemError) says nothing about the API;
            # anything else (a schema it cannot generate from, a request it cannot send) does.
            (internal if value.get("type") == "SystemError" else errors).append(text)
        if kind != "ScenarioFinished":
            continue
        recorder = event["recorder"]
        cases += len(recorder.get("cases", {}))
        for case_id, checks in recorder.get("checks", {}).items():
            for check in checks:
                if check["status"] != "failure":
                    continue
                failure = check.get("failure_info", {}).get("failure", {})
                operation = str(failure.get("operation") or recorder.get("label"))
                interaction = recorder.get("interactions", {}).get(case_id) or {}
                response = interaction.get("response") or {}
                try:
                    problem = json.loads(_decode(response.get("content")))
                except ValueError:
                    problem = {}
                code = problem.get("code") if isinstance(problem, dict) else None
                row_rules = _row_rule_codes(problem, codes.get(operation, set()))
                if check["name"] == "positive_data_acceptance" and (row_rules or code in codes.get(operation, set())):
                    code = row_rules or code
                    documented[f"{operation} {response.get('status_code')} {code}"] += 1
                    continue
                failures[check["name"]] += 1
                detail = problem.get("detail", "") if isinstance(problem, dict) else ""
                examples.setdefault(
                    f"{check['name']} {operation}",
                    f"{response.get('status_code')} {code or ''} {str(detail)[:160]}".strip(),
                )
    return {
        "cases": cases,
        "failures_by_check": dict(failures),
        "documented_refusals": dict(documented),
        "examples": examples,
        "errors": errors,
        "schemathesis_internal_errors": internal,
    }


def _seed(server: Any) -> str:
    """A tenant with every permission, claimable invoices and one customer data table; its token."""
    tenant, token = server.admin.create_tenant_with_token(name="Contract Customer")
    server.admin.create_invoices(
        [{"tenant_id": tenant.tenant_id, "invoice_number": f"C-{n}", "supplier_code": "S-1"} for n in range(40)]
    )
    server.admin.create_customer_data_table(
        tenant.tenant_id,
        "cost_centers",
        [{"name": "code", "type": "string", "required": True, "max_length": 20}, {"name": "name", "type": "string"}],
        ["code"],
    )
    return token.token


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.contract", description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=25, help="examples per operation and phase (default 25)")
    parser.add_argument("--max-time", type=int, default=150, help="time budget of the run in seconds (default 150)")
    parser.add_argument("--workers", default="2", help="concurrent schemathesis workers (default 2)")
    parser.add_argument("--seed", help="schemathesis seed, to repeat a run")
    parser.add_argument("--report-dir", help="keep the NDJSON report here (default: a temporary folder)")
    args = parser.parse_args(argv)

    from nuntiq_sandbox.testing import SandboxServer

    report_dir = Path(args.report_dir or tempfile.mkdtemp(prefix="nuntiq-contract-"))
    report_dir.mkdir(parents=True, exist_ok=True)
    with SandboxServer() as server:
        token = _seed(server)
        command = [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(CONFIG),
            "run",
            str(SPEC),
            "--url",
            server.api_url,
            "--checks",
            "all",
            "--max-examples",
            str(args.max_examples),
            "--max-time",
            str(args.max_time),
            "--workers",
            str(args.workers),
            "--report",
            "ndjson",
            "--report-dir",
            str(report_dir),
        ]
        if args.seed:
            command += ["--seed", args.seed]
        env = {
            **os.environ,
            "SCHEMATHESIS_HOOKS": "tools.contract_hooks",
            "PYTHONPATH": str(ROOT),
            "NUNTIQ_CONTRACT_TOKEN": token,
        }
        print(f"$ {' '.join(command)}", flush=True)
        # In the report folder: schemathesis keeps a cache of past crashes in its working directory.
        run = subprocess.run(command, env=env, cwd=report_dir, capture_output=True, text=True, check=False)
        if server.logs().strip():
            print("sandbox stderr:\n" + server.logs()[-4000:])
    reports = sorted(report_dir.glob("*.ndjson"))
    if not reports:
        print(run.stdout[-4000:] + run.stderr[-4000:])
        print("schemathesis wrote no report")
        return 2
    figures = summarize(reports[-1])
    (report_dir / "figures.json").write_text(json.dumps(figures, indent=2, sort_keys=True), encoding="utf-8")
    print(_format(figures, reports[-1]))
    return 0 if _gate_failures(figures) == 0 else 1


def _gate_failures(figures: dict[str, Any]) -> int:
    failures = figures["failures_by_check"]
    return sum(failures.get(name, 0) for name in (*GATED, "positive_data_acceptance")) + len(figures["errors"])


def _format(figures: dict[str, Any], report: Path) -> str:
    lines = [f"contract: {figures['cases']} cases generated (report {report})"]
    failures = figures["failures_by_check"]
    for name in GATED:
        lines.append(f"  {name}: {failures.get(name, 0)} failures")
    lines.append(
        f"  positive_data_acceptance (spec-valid requests refused): {failures.get('positive_data_acceptance', 0)}"
    )
    for name, count in sorted(failures.items()):
        if name not in (*GATED, "positive_data_acceptance"):
            lines.append(f"  {name}: {count} failures (reported, not gated)")
    documented = figures["documented_refusals"]
    lines.append(f"  refused by a rule the operation documents (not counted): {sum(documented.values())}")
    lines.extend(f"    {key}: {count}" for key, count in sorted(documented.items()))
    if figures["examples"]:
        lines.append("  failures, one example each:")
        lines.extend(f"    {key}: {text}" for key, text in sorted(figures["examples"].items()))
    if figures["errors"]:
        lines.append(f"  schemathesis errors: {len(figures['errors'])}")
        lines.extend(f"    {error}" for error in figures["errors"][:10])
    internal = figures["schemathesis_internal_errors"]
    if internal:
        lines.append(f"  crashes inside schemathesis itself (not counted): {len(internal)}")
        lines.extend(f"    {error}" for error in internal[:5])
    failed = _gate_failures(figures)
    lines.append(f"contract: {figures['cases'] - failed} passed, {failed} failed")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
