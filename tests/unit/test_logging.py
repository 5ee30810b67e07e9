"""ConnectorLogger: readable console lines, JSON-lines file, and secrets redacted everywhere."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nuntiq_sdk._logging import ConnectorLogger

SECRET = "rotated-quarterly"


@pytest.fixture
def console() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def logger(tmp_path: Path, console: io.StringIO) -> Iterator[ConnectorLogger]:
    log = ConnectorLogger(secrets=[SECRET, "tok_abc"], work_dir=tmp_path, console=console)
    yield log
    log.close()


def lines(console: io.StringIO) -> list[str]:
    return console.getvalue().splitlines()


def entries(logger: ConnectorLogger) -> list[dict[str, Any]]:
    assert logger.log_path is not None
    return [json.loads(line) for line in logger.log_path.read_text(encoding="utf-8").splitlines()]


# --- console -------------------------------------------------------------------------------


def test_console_line_format(logger: ConnectorLogger, console: io.StringIO) -> None:
    logger.info("Claimed 3 invoice(s)", step="claim", detail={"invoice_number": "INV-1", "remote_path": "/x"})
    (line,) = lines(console)
    assert re.fullmatch(
        r"\d\d:\d\d:\d\d INFO  claim      Claimed 3 invoice\(s\)  invoice_number=INV-1 remote_path=/x", line
    )


def test_console_levels_and_values(logger: ConnectorLogger, console: io.StringIO) -> None:
    logger.debug("hidden on the console")
    logger.warn("renamed", step="upload", detail={"original": "/a b.csv", "n": 2, "ok": True, "none": None})
    logger.warning("second")
    logger.error("failed", step="push")
    output = [line[9:] for line in lines(console)]
    assert output == [
        'WARN  upload     renamed  original="/a b.csv" n=2 ok=true none=null',
        "WARN             second",
        "ERROR push       failed",
    ]


def test_console_level_can_be_lowered(tmp_path: Path) -> None:
    stream = io.StringIO()
    with ConnectorLogger(console=stream, level=logging.DEBUG) as log:
        log.debug("shown", step="s")
    assert lines(stream)[0][9:] == "DEBUG s          shown"


# --- JSON lines --------------------------------------------------------------------------------


def test_json_lines_file(logger: ConnectorLogger, tmp_path: Path) -> None:
    logger.info("Pushed INV-1", step="pushed", detail={"invoice_number": "INV-1", "lines": [1, 2]})
    logger.debug("only in the file")
    assert logger.log_path == tmp_path / "logs" / "connector.jsonl"
    first, second = entries(logger)
    assert set(first) == {"ts", "level", "logger", "message", "step", "detail"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["ts"])
    assert first["level"] == "INFO"
    assert first["logger"] == "nuntiq_sdk.connector"
    assert first["message"] == "Pushed INV-1"
    assert first["step"] == "pushed"
    assert first["detail"] == {"invoice_number": "INV-1", "lines": [1, 2]}
    assert second["level"] == "DEBUG"
    assert second["step"] is None
    assert second["detail"] is None


def test_the_file_is_appended_to(tmp_path: Path) -> None:
    for text in ("first run", "second run"):
        with ConnectorLogger(work_dir=tmp_path, console=io.StringIO()) as log:
            log.info(text)
    assert [e["message"] for e in entries(log)] == ["first run", "second run"]


def test_no_file_without_a_work_dir(console: io.StringIO) -> None:
    with ConnectorLogger(console=console) as log:
        log.info("console only")
        assert log.log_path is None
    assert len(lines(console)) == 1


def test_exceptions_are_written(logger: ConnectorLogger, console: io.StringIO) -> None:
    try:
        raise RuntimeError("upload failed")
    except RuntimeError:
        logger.exception("Failed to push INV-1", step="push")
    logger.error("explicit", exc_info=ValueError("bad value"))
    first, second = entries(logger)
    assert first["exception"].startswith("Traceback (most recent call last):")
    assert first["exception"].endswith("RuntimeError: upload failed")
    assert second["exception"] == "ValueError: bad value"
    assert "RuntimeError: upload failed" in console.getvalue()


# --- redaction --------------------------------------------------------------------------------


class Opaque:
    def __repr__(self) -> str:
        return f"Opaque(password={SECRET!r})"


def test_secrets_are_redacted_in_message_step_and_detail(logger: ConnectorLogger, console: io.StringIO) -> None:
    logger.info(
        f"connecting with {SECRET}",
        step=f"step-{SECRET}",
        detail={
            "password": SECRET,
            "nested": {"list": [f"x{SECRET}y", {"deep": ("tok_abc",)}], SECRET: "key too"},
            "object": Opaque(),
            "path": Path(f"/home/{SECRET}"),
            "count": 3,
        },
    )
    (entry,) = entries(logger)
    assert entry["message"] == "connecting with ***"
    assert entry["step"] == "step-***"
    assert entry["detail"] == {
        "password": "***",
        "nested": {"list": ["x***y", {"deep": ["***"]}], "***": "key too"},
        "object": "Opaque(password='***')",
        "path": "/home/***",
        "count": 3,
    }
    assert SECRET not in console.getvalue()
    assert "tok_abc" not in console.getvalue()
    assert SECRET not in logger.log_path.read_text(encoding="utf-8")  # type: ignore[union-attr]


def test_secrets_are_redacted_in_exception_text(logger: ConnectorLogger, console: io.StringIO) -> None:
    try:
        raise ConnectionError(f"auth failed for password {SECRET}")
    except ConnectionError as error:
        logger.warn(f"Failed: {error}", step="push", detail={"error": str(error)}, exc_info=True)
    (entry,) = entries(logger)
    assert SECRET not in json.dumps(entry)
    assert "ConnectionError: auth failed for password ***" in entry["exception"]
    assert SECRET not in console.getvalue()


def test_longest_secret_first() -> None:
    stream = io.StringIO()
    with ConnectorLogger(secrets=["abcdefgh", "abcdefghijkl", ""], console=stream) as log:
        log.info("abcdefghijkl and abcdefgh and abcdefghijklm")
    assert lines(stream)[0].endswith("*** and *** and ***m")


def test_a_short_secret_is_redacted_only_where_it_stands_alone() -> None:
    """A 4-character password must not garble the words and numbers it happens to be part of."""
    stream = io.StringIO()
    with ConnectorLogger(secrets=["ab12"], console=stream) as log:
        log.info("tab123 lab12x ab12 (ab12) user:ab12@host retry 1 of 2")
    assert lines(stream)[0].endswith("tab123 lab12x *** (***) user:***@host retry 1 of 2")


def test_a_password_inside_a_url_is_redacted_even_when_not_registered() -> None:
    stream = io.StringIO()
    with ConnectorLogger(console=stream) as log:
        log.info("cannot reach sftp://bob:s3cr3t-pw@files.example.com:22/out (https://api.example/v1 is fine)")
    assert lines(stream)[0].endswith(
        "cannot reach sftp://bob:***@files.example.com:22/out (https://api.example/v1 is fine)"
    )


def test_empty_and_blank_secrets_are_ignored() -> None:
    stream = io.StringIO()
    with ConnectorLogger(secrets=["", "  "], console=stream) as log:
        log.add_secret("")
        log.info("nothing to hide  here")
    assert lines(stream)[0].endswith("nothing to hide  here")


def test_secrets_added_later_and_special_characters(logger: ConnectorLogger, console: io.StringIO) -> None:
    logger.add_secret("p@ss.w*rd(1)")
    logger.info("using p@ss.w*rd(1) and pXss.w*rd(1)")
    assert lines(console)[0].endswith("using *** and pXss.w*rd(1)")
    assert logger.redact("p@ss.w*rd(1)!") == "***!"


def test_sdk_library_records_go_through_the_same_handlers_redacted(
    logger: ConnectorLogger, console: io.StringIO
) -> None:
    logging.getLogger("nuntiq_sdk.http").warning(
        "Retrying GET /v1/x: %s", f"token {SECRET}", extra={"detail": {"reason": SECRET}}
    )
    (line,) = lines(console)
    assert line[9:] == "WARN  http       Retrying GET /v1/x: token ***"
    (entry,) = entries(logger)
    assert entry["logger"] == "nuntiq_sdk.http"
    assert entry["step"] == "http"
    assert entry["detail"] == {"reason": "***"}


def test_records_propagate_already_redacted(logger: ConnectorLogger, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="nuntiq_sdk")
    try:
        raise KeyError(SECRET)
    except KeyError:
        logger.exception(f"lost {SECRET}", detail={"k": SECRET})
    (record,) = [r for r in caplog.records if r.name == "nuntiq_sdk.connector"]
    assert record.getMessage() == "lost ***"
    assert record.detail == {"k": "***"}  # type: ignore[attr-defined]
    assert record.exc_info is None
    assert record.exc_text is not None
    assert SECRET not in record.exc_text
    assert SECRET not in caplog.text
    assert record.pathname == __file__
    assert record.funcName == "test_records_propagate_already_redacted"


# --- lifecycle and concurrency -------------------------------------------------------------------


def test_two_loggers_do_not_see_each_others_records(tmp_path: Path) -> None:
    first_console, second_console = io.StringIO(), io.StringIO()
    with (
        ConnectorLogger(work_dir=tmp_path / "a", console=first_console) as first,
        ConnectorLogger(work_dir=tmp_path / "b", console=second_console) as second,
    ):
        first.info("from first")
        second.info("from second")
        logging.getLogger("nuntiq_sdk.http").warning("shared")
    assert [line[9:] for line in lines(first_console)] == ["INFO             from first", "WARN  http       shared"]
    assert [line[9:] for line in lines(second_console)] == ["INFO             from second", "WARN  http       shared"]


def test_close_releases_the_file_and_detaches(tmp_path: Path, console: io.StringIO) -> None:
    sdk_logger = logging.getLogger("nuntiq_sdk")
    before = list(sdk_logger.handlers)
    log = ConnectorLogger(work_dir=tmp_path, console=console)
    assert len(sdk_logger.handlers) == len(before) + 2
    file_handler = next(h for h in sdk_logger.handlers if isinstance(h, logging.FileHandler) and h not in before)
    log.info("before close")
    log.close()
    log.close()
    assert sdk_logger.handlers == before
    assert file_handler.stream is None
    log.info("after close")
    assert [e["message"] for e in entries(log)] == ["before close"]
    assert len(lines(console)) == 1


def test_logging_from_many_threads(logger: ConnectorLogger) -> None:
    def work(n: int) -> None:
        for i in range(50):
            logger.info(f"thread {n} line {i} {SECRET}", step="t", detail={"n": n})

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    written = entries(logger)
    assert len(written) == 400
    assert all(e["message"].endswith("***") for e in written)
