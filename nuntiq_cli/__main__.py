"""``nuntiq``: the command line of the connector SDK.

One subcommand per job, each a module with ``configure(parser)`` and
``run(args) -> int``, registered in ``COMMANDS``. The modules keep their heavy
imports inside ``run``, so that ``nuntiq run`` does not load the sandbox.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from nuntiq_sandbox._extra import missing_extra

__all__ = ["COMMANDS", "build_parser", "main"]

# name -> (help, module)
COMMANDS: dict[str, tuple[str, str]] = {
    "sandbox": ("run the local Customer API sandbox", "nuntiq_cli._sandbox"),
    "sftp-server": ("run an embedded SFTP server on 127.0.0.1 (--root DIR --user NAME ...)", "nuntiq_cli._sftp_server"),
    "run": ("run a connector: PATH.py --settings settings.json [--job-param K=V ...]", "nuntiq_cli._runner"),
    "demo": (
        "the main job: invoices pulled in over SFTP, pushed to the ERP, all local",
        "nuntiq_cli._demo",
    ),
}


# Commands that start the sandbox's server (connexion, uvicorn): the [sandbox] extra. ``sftp-server`` is not
# among them: the embedded SFTP server is paramiko's server side, which a plain install already brings.
NEEDS_SANDBOX_EXTRA = frozenset({"sandbox", "demo"})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nuntiq", description="The Nuntiq connector SDK command line.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (help_text, module_name) in COMMANDS.items():
        module = importlib.import_module(module_name)
        subparser = subparsers.add_parser(name, help=help_text, description=help_text)
        module.configure(subparser)
        subparser.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in NEEDS_SANDBOX_EXTRA and (problem := missing_extra(f"nuntiq {args.command}")):
        print(f"nuntiq: {problem}", file=sys.stderr)
        return 2
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
