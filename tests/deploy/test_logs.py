"""Log lines are structured and never carry a PIN, password, name or full card number."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.logs import configure_logging, connected_to_journal, fields, mask_card, redact


@pytest.fixture(autouse=True)
def restore_root_logger() -> Iterator[None]:
    """configure_logging changes the process's root logger; give other tests theirs back."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    root.setLevel(level)
    root.handlers[:] = handlers


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = configure_logging("debug", "kv", stream, journald=False)
    yield stream
    logging.getLogger().removeHandler(handler)


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def test_a_line_is_key_value_with_timestamp_level_logger_and_fields(output: io.StringIO) -> None:
    logging.getLogger("kiosk.core").info(
        "checkout done", extra=fields(item="30123000456789", outcome="ok", ms=212)
    )
    [line] = lines(output)
    assert line.startswith("ts=20")
    assert line.endswith(
        'level=info logger=kiosk.core msg="checkout done" item=30123000456789 outcome=ok ms=212'
    )


def test_a_careless_message_loses_its_card_number_pin_and_password(output: io.StringIO) -> None:
    log = logging.getLogger("kiosk.careless")
    log.warning("patron %s entered pin=%s", "20012345678", "1234")
    log.error("login failed: password: 'hemligt' for user kiosk-1")
    log.info("personal number 19800101-1234 seen")
    text = output.getvalue()
    for leaked in ("20012345678", "1234\n", "pin=1234", "hemligt", "19800101"):
        assert leaked not in text
    assert "*******5678" in text
    assert "pin=***" in text
    assert "password: ***" in text


def test_structured_fields_are_redacted_by_name(output: io.StringIO) -> None:
    logging.getLogger("kiosk").info(
        "session",
        extra=fields(card="20012345678", pin="1234", patron_name="Åsa Öberg", language="sv"),
    )
    [line] = lines(output)
    assert "card=*******5678" in line
    assert "pin=***" in line
    assert "patron_name=***" in line and "Åsa" not in line
    assert "language=sv" in line


def test_plain_extra_attributes_are_fields_too_and_are_redacted(output: io.StringIO) -> None:
    logging.getLogger("kiosk").info("pin entered", extra={"pin": "9876", "attempt": 2})
    [line] = lines(output)
    assert "pin=***" in line and "9876" not in line
    assert "attempt=2" in line


def test_sip2_traces_are_masked() -> None:
    trace = (
        "6300120261122    101010          AOSE-Hd|AA20012345678|AD1234|AEÅsa Öberg|BEa@b.se|"
        "AY1AZE6F1"
    )
    masked = redact(trace)
    assert "|AA*******5678|AD***|AE***|BE***|" in masked
    assert "20261122    101010" in masked  # dates stay readable
    assert redact("9300CNkiosk-1|COsecret|CPhud|") == "9300CNkiosk-1|CO***|CPhud|"


def test_a_traceback_is_redacted(output: io.StringIO) -> None:
    try:
        raise ValueError("bad card 20012345678 with password=hunter2")
    except ValueError:
        logging.getLogger("kiosk").exception("oops")
    text = output.getvalue()
    assert "ValueError" in text
    assert "20012345678" not in text and "hunter2" not in text


def test_json_format(output: io.StringIO) -> None:
    stream = io.StringIO()
    handler = configure_logging("info", "json", stream)
    try:
        logging.getLogger("kiosk.ils").warning("offline", extra=fields(queue=3, card="2001234567"))
    finally:
        logging.getLogger().removeHandler(handler)
    entry = json.loads(stream.getvalue())
    assert entry["level"] == "warning"
    assert entry["msg"] == "offline"
    assert entry["queue"] == 3
    assert entry["card"] == "******4567"


def test_journald_lines_carry_the_priority_instead_of_a_timestamp() -> None:
    stream = io.StringIO()
    handler = configure_logging("debug", "kv", stream, journald=True)
    try:
        logging.getLogger("kiosk").error("printer out of paper")
        logging.getLogger("kiosk").debug("tick")
    finally:
        logging.getLogger().removeHandler(handler)
    first, second = stream.getvalue().splitlines()
    assert first.startswith("<3>level=error ")
    assert second.startswith("<7>level=debug ")


def test_configuring_twice_replaces_the_handler() -> None:
    first = configure_logging("info", "kv", io.StringIO())
    second = configure_logging("info", "kv", io.StringIO())
    try:
        assert first not in logging.getLogger().handlers
        assert second in logging.getLogger().handlers
    finally:
        logging.getLogger().removeHandler(second)


def test_mask_card_keeps_the_last_four() -> None:
    assert mask_card("04A1B2C3D4") == "******C3D4"
    assert mask_card("123") == "**3"  # kiosk.privacy: never more than half


def test_ordinary_numbers_and_words_survive() -> None:
    text = "CONNECTION to 10.0.0.5:6001 took 150 ms; 20261122 queue=12; ADDRESS book"
    assert redact(text) == text


def test_journal_detection_compares_the_streams_device_and_inode(tmp_path: Path) -> None:
    with (tmp_path / "out.log").open("w") as stream:
        info = os.fstat(stream.fileno())
        assert connected_to_journal(stream, {"JOURNAL_STREAM": f"{info.st_dev}:{info.st_ino}"})
        assert not connected_to_journal(stream, {"JOURNAL_STREAM": f"{info.st_dev}:1"})
        assert not connected_to_journal(stream, {})
    assert not connected_to_journal(io.StringIO(), {"JOURNAL_STREAM": "1:2"})
