"""``nuntiq sftp-server``: the embedded SFTP server (see ``nuntiq_sandbox.sftp``)."""

from __future__ import annotations

import argparse

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("args", nargs=argparse.REMAINDER, help="see `python -m nuntiq_sandbox.sftp --help`")


def run(args: argparse.Namespace) -> int:
    from nuntiq_sandbox.sftp import main as sftp_main

    return sftp_main(args.args)
