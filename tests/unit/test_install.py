"""A plain install is the SDK only: its requirements, and the SDK working with the sandbox's stack absent.

The requirements are read from the installed distribution's metadata (what a
wheel of this tree declares). The run-time checks start a fresh interpreter
where connexion, uvicorn, starlette and PyYAML cannot be imported (their
``sys.modules`` entries are ``None``, as Python's own import system treats a
module known to be missing), which is what a ``pip install .`` leaves. The
``install`` test does the real thing: a new virtualenv, ``pip install .``.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DIST = "nuntiq-connector-sdk"
SANDBOX_STACK = ("connexion", "uvicorn", "starlette", "yaml")


def _requirements() -> tuple[set[str], dict[str, set[str]]]:
    """(base requirement names, {extra: requirement names}) from the installed metadata."""
    base: set[str] = set()
    extras: dict[str, set[str]] = {}
    for line in importlib.metadata.requires(DIST) or []:
        name = re.split(r"[\s\[<>=!~;]", line, maxsplit=1)[0].lower()
        marker = re.search(r"""extra\s*==\s*["']([^"']+)["']""", line)
        if marker:
            extras.setdefault(marker.group(1), set()).add(name)
        else:
            base.add(name)
    return base, extras


def test_a_plain_install_requires_only_what_the_sdk_runs_on() -> None:
    base, _ = _requirements()
    assert base == {"attrs", "httpx", "orjson", "paramiko"}  # orjson: the generated client encodes JSON bodies


def test_the_sandbox_extra_brings_the_server_stack_and_dev_includes_it() -> None:
    _, extras = _requirements()
    assert {"connexion", "pyyaml"} <= extras["sandbox"]
    assert not {"pytest", "ruff", "mypy"} & extras["sandbox"]  # the demo needs no linters
    assert extras["sandbox"] <= extras["dev"]  # .[dev] includes .[sandbox] (the build flattens the self-reference)


def _without_the_sandbox_stack(body: str) -> subprocess.CompletedProcess[str]:
    prelude = f"import sys\nfor name in {SANDBOX_STACK!r}:\n    sys.modules[name] = None\n"
    code = prelude + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120)


def test_the_sdk_every_load_and_the_connectors_import_without_the_sandbox_stack() -> None:
    result = _without_the_sandbox_stack(
        """
        import importlib, json, pkgutil
        import nuntiq_sdk, nuntiq_sdk.objects, connectors
        names = [name for name in nuntiq_sdk.__all__ if getattr(nuntiq_sdk, name) is not None]
        loads = sorted(name for name in names if name.endswith("Load"))
        modules = [m.name for m in pkgutil.iter_modules(nuntiq_sdk.objects.__path__, "nuntiq_sdk.objects.")]
        modules += [m.name for m in pkgutil.iter_modules(connectors.__path__, "connectors.")]
        for module in modules:
            importlib.import_module(module)
        import nuntiq_sandbox.pytest_plugin  # the fixtures load; only the sandbox ones need the extra
        stack = ("nuntiq_sandbox.", "connexion", "uvicorn", "yaml")
        loaded = sorted(m for m, module in sys.modules.items() if module is not None and m.startswith(stack))
        print(json.dumps({"loads": loads, "modules": len(modules), "loaded": loaded}))
        """
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {"InvoiceLoad", "SupplierLoad", "IngestionLoad", "LifecycleMessageLoad"} <= set(report["loads"])
    assert len(report["loads"]) >= 10
    assert report["modules"] >= 10
    assert report["loaded"] == ["nuntiq_sandbox._extra", "nuntiq_sandbox.pytest_plugin"]


@pytest.mark.parametrize("command", ["sandbox", "demo"])
def test_sandbox_commands_without_the_extra_say_which_to_install_in_one_line(command: str) -> None:
    result = _without_the_sandbox_stack(
        f"""
        from nuntiq_cli.__main__ import main
        raise SystemExit(main([{command!r}]))
        """
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert f"nuntiq {command} needs the [sandbox] extra" in lines[0]
    assert "pip install 'nuntiq-connector-sdk[sandbox]'" in lines[0]
    assert "connexion" in lines[0]


def test_the_embedded_sftp_server_runs_without_the_extra() -> None:
    """``nuntiq sftp-server`` is paramiko's server side, which a plain install brings: no extra needed."""
    result = _without_the_sandbox_stack(
        """
        from nuntiq_cli.__main__ import main
        raise SystemExit(main(["sftp-server", "--help"]))
        """
    )
    assert result.returncode == 0, result.stderr
    assert "--root" in result.stdout


@pytest.mark.install
def test_a_fresh_venv_with_a_plain_install_has_the_sdk_and_no_sandbox_stack(tmp_path: Path) -> None:
    """``pip install .`` of this tree into a new virtualenv (about 20 s with a warm pip cache)."""
    root = Path(__file__).resolve().parents[2]
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    install = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(root)]
    subprocess.run(install, check=True, timeout=600, capture_output=True, cwd=tmp_path)
    code = (
        "import importlib.util, json, nuntiq_sdk\n"
        "from nuntiq_sdk import InvoiceLoad, SupplierLoad, IngestionLoad, LifecycleMessageLoad, UserLoad\n"
        "print(json.dumps({m: importlib.util.find_spec(m) is not None for m in ('connexion', 'uvicorn', 'yaml')}))\n"
    )
    found = subprocess.run([str(python), "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout) == {"connexion": False, "uvicorn": False, "yaml": False}
    sandbox = subprocess.run(
        [str(venv / "bin" / "nuntiq"), "sandbox"], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert sandbox.returncode == 2
    assert len(sandbox.stderr.splitlines()) == 1
    assert "[sandbox] extra" in sandbox.stderr
