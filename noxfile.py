"""Project automation. Each session installs the project itself, so a fresh
machine needs only Python 3.11 and ``pip install nox``."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["lint", "typecheck", "tests"]

PYTHON = "3.11"
CASSETTES = Path(__file__).parent / "tests" / "cassettes"
BENCH = Path(__file__).parent / "bench"
# The packages the wheel ships, as pyproject.toml lists them.
_WHEEL = tomllib.loads((Path(__file__).parent / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]
PROJECT_PACKAGES: list[str] = _WHEEL["wheel"]["packages"]


def _install(session: nox.Session) -> None:
    session.install("-e", ".[dev]")


@nox.session(python=PYTHON)
def generate(session: nox.Session) -> None:
    """Regenerate generated_client/ and nuntiq_sdk/_generated/ from openapi/customer-api.yaml."""
    _install(session)
    session.run("python", "-m", "tools.generate")


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The main job: invoices pulled in from an SFTP drop folder, then pushed to the ERP, on a local sandbox."""
    session.install("-e", ".[sandbox]")  # the SDK and the sandbox only: no linters, no type checker
    session.run("nuntiq", "demo", *session.posargs)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Unit, live (sandbox on 127.0.0.1) and cassette-replay tests."""
    _install(session)
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff lint and format check, and the import-layer contracts ([tool.importlinter] in pyproject.toml)."""
    _install(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy strict on nuntiq_sdk and connectors."""
    _install(session)
    session.run("mypy")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks, each against a baseline measured in the same run (figures in bench/results/).

    ``nox -s bench`` runs them all; ``nox -s bench -- push_1000 --invoices 100 --repeats 1`` runs one,
    passing the rest of the arguments to it.
    """
    # What a deployment installs (the SDK, and the sandbox's servers to measure against), not the dev tools:
    # with rich and pygments present, ``import httpx`` also imports its command-line client, which every
    # process (a connector run, a raw loop) would pay at start-up.
    session.install("-e", ".[sandbox]")
    # An editable install leaves the project's own modules uncompiled, and with PYTHONDONTWRITEBYTECODE set
    # (as on these machines) every process would compile them again at start-up; a deployment has them
    # compiled, as pip compiles httpx and paramiko. Every side of every bench reads the same bytecode.
    session.run("python", "-m", "compileall", "-q", *PROJECT_PACKAGES, "tests/connectors", "bench")
    names = sorted(p.stem for p in BENCH.glob("[a-z]*.py"))
    if session.posargs and session.posargs[0] in names:
        session.run("python", "-m", f"bench.{session.posargs[0]}", *session.posargs[1:])
        return
    for name in names:
        session.run("python", "-m", f"bench.{name}", *session.posargs)


@nox.session(python=PYTHON)
def contract(session: nox.Session) -> None:
    """schemathesis against a fresh sandbox: all checks, stateful links, fresh Idempotency-Keys.

    ``nox -s contract`` is the bounded run (about three minutes); the long run is
    ``nox -s contract -- --max-examples 500 --max-time 3600``. Prints cases and failures by check.
    """
    _install(session)
    session.run("python", "-m", "tools.contract", *session.posargs)


@nox.session(python=PYTHON)
def record(session: nox.Session) -> None:
    """Re-record tests/cassettes/ from scratch against a fresh sandbox on 127.0.0.1.

    Every test marked ``vcr`` runs live once (the fixtures start the sandbox
    and pin its clock); stale cassettes of removed tests go with the wipe.
    """
    _install(session)
    shutil.rmtree(CASSETTES, ignore_errors=True)
    session.run("pytest", "-m", "vcr", "--record-mode=all", "-p", "no:cacheprovider", *session.posargs)
