"""`nuntiq run` argument handling, without a network."""

from __future__ import annotations

from pathlib import Path

import pytest

from nuntiq_cli.__main__ import main


def test_a_missing_connector_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(tmp_path / "nope.py"), "--settings", str(tmp_path / "s.json")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_module_without_run_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    module = tmp_path / "empty.py"
    module.write_text("x = 1\n")
    assert main(["run", str(module), "--settings", str(tmp_path / "s.json")]) == 2
    assert "no run(context)" in capsys.readouterr().err


def test_bad_job_params_and_settings_are_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    module = tmp_path / "ok.py"
    module.write_text("def run(context):\n    return {}\n")
    assert main(["run", str(module), "--settings", str(tmp_path / "s.json"), "--job-param", "novalue"]) == 2
    assert "KEY=VALUE" in capsys.readouterr().err
    assert main(["run", str(module), "--settings", str(tmp_path / "missing.json")]) == 2
    assert "missing.json" in capsys.readouterr().err


def test_the_summary_is_printed_and_a_raising_connector_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text(
        '{"customer_number": "1", "secrets": {"api_token": "ntq_sk_x"},'
        ' "config": {"api_base_url": "http://127.0.0.1:9/v1"}}'
    )
    ok = tmp_path / "ok.py"
    ok.write_text("def run(context):\n    return {'pushed': 3, 'param': context.job_params['since']}\n")
    assert main(["run", str(ok), "--settings", str(settings), "--job-param", "since=2026-11-01"]) == 0
    assert '"pushed": 3' in capsys.readouterr().out
    boom = tmp_path / "boom.py"
    boom.write_text("def run(context):\n    raise RuntimeError('ERP down')\n")
    assert main(["run", str(boom), "--settings", str(settings)]) == 1
    assert "RuntimeError: ERP down" in capsys.readouterr().err
