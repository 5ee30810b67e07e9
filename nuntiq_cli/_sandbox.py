"""``nuntiq sandbox``: the local Customer API sandbox on uvicorn (see ``nuntiq_sandbox``)."""

from __future__ import annotations

import argparse
import os
import sys
import warnings

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    from nuntiq_sandbox._constants import BODY_IDLE_TIMEOUT_SECONDS, DEFAULT_HOST, DEFAULT_PORT, HEADER_TIMEOUT_SECONDS

    parser.add_argument("--host", default=DEFAULT_HOST, help=f"interface to listen on (default {DEFAULT_HOST})")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)"
    )
    parser.add_argument("--db", default=":memory:", help="SQLite file, or :memory: (default)")
    parser.add_argument("--seed", choices=("none", "demo"), default="none", help="initial data (default none)")
    parser.add_argument(
        "--admin-key",
        default=os.environ.get("NUNTIQ_SANDBOX_ADMIN_KEY"),
        help="the X-Sandbox-Admin-Key that /_sandbox requires (default: $NUNTIQ_SANDBOX_ADMIN_KEY, else generated)",
    )
    parser.add_argument("--admin-key-file", help="write the admin key to this file (mode 0600)")
    parser.add_argument(
        "--demo-token",
        default=os.environ.get("NUNTIQ_SANDBOX_DEMO_TOKEN"),
        help="the demo tenant's API token, ntq_sk_ + 40 hex (default: $NUNTIQ_SANDBOX_DEMO_TOKEN, else generated)",
    )
    parser.add_argument("--token-file", help="write the demo token to this file (mode 0600)")
    parser.add_argument("--ready-file", help="write the base URL to this file once the sandbox is serving")
    parser.add_argument(
        "--header-timeout",
        type=float,
        default=HEADER_TIMEOUT_SECONDS,
        help=f"close a connection whose request headers take longer (seconds, default {HEADER_TIMEOUT_SECONDS:g})",
    )
    parser.add_argument(
        "--body-timeout",
        type=float,
        default=BODY_IDLE_TIMEOUT_SECONDS,
        help=f"answer 408 when a request body stalls this long (seconds, default {BODY_IDLE_TIMEOUT_SECONDS:g})",
    )
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=("critical", "error", "warning", "info", "debug"),
        help=argparse.SUPPRESS,
    )


def run(args: argparse.Namespace) -> int:
    for option, value in (("--header-timeout", args.header_timeout), ("--body-timeout", args.body_timeout)):
        if not value > 0:
            print(f"error: {option} must be a positive number of seconds, not {value:g}", file=sys.stderr)
            return 2
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
        admin_key_file=args.admin_key_file,
        ready_file=args.ready_file,
        log_level=args.log_level,
        header_timeout=args.header_timeout,
        body_timeout=args.body_timeout,
    )
