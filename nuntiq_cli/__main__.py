"""``nuntiq``: the command line of the connector SDK.

One subcommand per job, each a ``(configure, run)`` pair registered in
``COMMANDS``, so that ``run`` and ``demo`` slot in next to ``sandbox``.
"""

from __future__ import annotations

import argparse
import os
import warnings
from collections.abc import Callable, Sequence

__all__ = ["COMMANDS", "build_parser", "main"]

Configure = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace], int]


def _configure_sandbox(parser: argparse.ArgumentParser) -> None:
    from nuntiq_sandbox._constants import DEFAULT_HOST, DEFAULT_PORT

    parser.add_argument("--host", default=DEFAULT_HOST, help=f"interface to listen on (default {DEFAULT_HOST})")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)"
    )
    parser.add_argument("--db", default=":memory:", help="SQLite file, or :memory: (default)")
    parser.add_argument("--seed", choices=("none", "demo"), default="none", help="initial data (default none)")
    parser.add_argument(
        "--admin-key",
        default=os.environ.get("NUNTIQ_SANDBOX_ADMIN_KEY"),
        help="require this X-Sandbox-Admin-Key on /_sandbox (default: $NUNTIQ_SANDBOX_ADMIN_KEY)",
    )
    parser.add_argument(
        "--demo-token",
        default=os.environ.get("NUNTIQ_SANDBOX_DEMO_TOKEN"),
        help="the demo tenant's API token, ntq_sk_ + 40 hex (default: $NUNTIQ_SANDBOX_DEMO_TOKEN, else generated)",
    )
    parser.add_argument("--token-file", help="write the demo token to this file (mode 0600)")
    parser.add_argument("--ready-file", help="write the base URL to this file once the sandbox is serving")
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=("critical", "error", "warning", "info", "debug"),
        help=argparse.SUPPRESS,
    )


def _run_sandbox(args: argparse.Namespace) -> int:
    with warnings.catch_warnings():
        # connexion's import trips deprecation warnings in its dependencies that a sandbox user can do nothing about.
        warnings.simplefilter("ignore")
        from nuntiq_sandbox._server import serve

    return serve(
        host=args.host,
        port=args.port,
        db=args.db,
        seed=args.seed,
        admin_key=args.admin_key,
        demo_token=args.demo_token,
        token_file=args.token_file,
        ready_file=args.ready_file,
        log_level=args.log_level,
    )


def _configure_run(parser: argparse.ArgumentParser) -> None:
    from nuntiq_cli._runner import configure

    configure(parser)


def _run_run(args: argparse.Namespace) -> int:
    from nuntiq_cli._runner import run

    return run(args)


def _configure_demo(parser: argparse.ArgumentParser) -> None:
    from nuntiq_cli._demo import configure

    configure(parser)


def _run_demo(args: argparse.Namespace) -> int:
    from nuntiq_cli._demo import run

    return run(args)


def _configure_sftp_server(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("args", nargs=argparse.REMAINDER, help="see `python -m nuntiq_sandbox.sftp --help`")


def _run_sftp_server(args: argparse.Namespace) -> int:
    from nuntiq_sandbox.sftp import main as sftp_main

    return sftp_main(args.args)


# name -> (help, configure, run)
COMMANDS: dict[str, tuple[str, Configure, Run]] = {
    "sandbox": ("run the local Customer API sandbox", _configure_sandbox, _run_sandbox),
    "sftp-server": (
        "run an embedded SFTP server on 127.0.0.1 (--root DIR --user NAME ...)",
        _configure_sftp_server,
        _run_sftp_server,
    ),
    "run": ("run a connector: PATH.py --settings settings.json [--job-param K=V ...]", _configure_run, _run_run),
    "demo": ("run the SDK's flows end to end against a demo sandbox", _configure_demo, _run_demo),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nuntiq", description="The Nuntiq connector SDK command line.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (help_text, configure, run) in COMMANDS.items():
        subparser = subparsers.add_parser(name, help=help_text, description=help_text)
        configure(subparser)
        subparser.set_defaults(run=run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
