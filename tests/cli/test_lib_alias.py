"""`nuntiq run` gives a connector the product docs' `lib.*` imports, for its own process only."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nuntiq_cli._runner import load_connector


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_lib_is_not_installed_outside_a_job(tmp_path: Path) -> None:
    result = _python("import lib.delta", tmp_path)
    assert result.returncode == 1
    assert "No module named 'lib'" in result.stderr


def test_the_docs_imports_are_the_sdks_own_modules(tmp_path: Path) -> None:
    result = _python(
        """
        import sys
        from nuntiq_sdk._lib_alias import install
        install()
        install()  # idempotent
        from lib.objects.invoice import InvoiceLoad
        from lib.objects.lifecycle_message import LifecycleMessageLoad
        from lib.delta import delta_run
        from lib.context import JobContext
        import nuntiq_sdk, nuntiq_sdk.delta, nuntiq_sdk.objects.invoice as invoice
        assert InvoiceLoad is nuntiq_sdk.InvoiceLoad and delta_run is nuntiq_sdk.delta_run
        assert JobContext is nuntiq_sdk.JobContext and LifecycleMessageLoad is nuntiq_sdk.LifecycleMessageLoad
        assert sys.modules["lib.objects.invoice"] is invoice and invoice.__spec__.name == "nuntiq_sdk.objects.invoice"
        assert sum(1 for finder in sys.meta_path if type(finder).__name__ == "_LibFinder") == 1
        for name in ("lib.nothing", "lib.objects.nothing", "lib.objects._private"):
            try:
                __import__(name)
            except ModuleNotFoundError as exc:
                assert exc.name == name, exc
            else:
                raise AssertionError(name)
        print("ok")
        """,
        tmp_path,
    )
    assert result.stdout.strip() == "ok", result.stderr


def test_a_real_lib_package_on_the_path_wins(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "__init__.py").write_text("MINE = True\n")
    (tmp_path / "lib" / "delta.py").write_text("OWN = 1\n")
    result = _python(
        """
        from nuntiq_sdk._lib_alias import install
        install()
        import lib, lib.delta
        assert lib.MINE and lib.delta.OWN == 1
        try:
            import lib.context
        except ModuleNotFoundError:
            print("ok")
        """,
        tmp_path,
    )
    assert result.stdout.strip() == "ok", result.stderr


@pytest.mark.parametrize("module", ["lib.objects.invoice", "lib.delta", "lib.context"])
def test_a_connector_loaded_by_the_runner_may_import_lib(tmp_path: Path, module: str) -> None:
    connector = tmp_path / "docs_connector.py"
    connector.write_text(f"import {module} as imported\n\ndef run(context):\n    return imported.__name__\n")
    result = _python(
        f"""
        from pathlib import Path
        from nuntiq_cli._runner import load_connector
        print(load_connector(Path({str(connector)!r}))(None))
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("nuntiq_sdk.")


def test_load_connector_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_connector(tmp_path / "absent.py")
