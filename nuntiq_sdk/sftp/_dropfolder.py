"""A drop folder: a server folder another system writes files into, read only once they have settled."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from nuntiq_sdk.sftp._connection import RemoteFile, SFTPConnection

__all__ = ["DropFolder", "settled"]


def settled(
    first: Mapping[str, RemoteFile], second: Mapping[str, RemoteFile]
) -> tuple[dict[str, RemoteFile], list[str]]:
    """The files unchanged (size and mtime) between two listings, and the names that changed or appeared."""
    stable = {name: entry for name, entry in second.items() if first.get(name) == entry}
    return stable, sorted(set(second) - set(stable))


class DropFolder:
    """Lists ``folder`` and tells the files a sender has finished writing from those it is still writing.

    ``clock`` and ``sleep`` are injectable (a test passes its own, or sets
    them on the class, instead of patching ``time`` for the whole process).
    """

    clock: Callable[[], float] = staticmethod(time.time)
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def __init__(
        self,
        connection: SFTPConnection,
        folder: str,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.connection = connection
        self.folder = folder
        if clock is not None:
            self.clock = clock
        if sleep is not None:
            self.sleep = sleep

    def listing(self, *, hidden: bool = False) -> dict[str, RemoteFile]:
        """The folder's regular files by name (hidden ones only with ``hidden``)."""
        return {entry.name: entry for entry in self.connection.list_files(self.folder, hidden=hidden)}

    def settle(
        self, first: Mapping[str, RemoteFile], seconds: float, *, hidden: bool = False
    ) -> tuple[dict[str, RemoteFile], list[str]]:
        """List again ``seconds`` after ``first``: the files that kept size and time, and the names still changing."""
        if not first or not seconds:
            return dict(first), []
        self.sleep(seconds)
        second = {name: entry for name, entry in self.listing(hidden=hidden).items() if name in first}
        return settled(first, second)
