"""Issue 13, points 8 and 10 (`--config` after the command): failures a person can act on
end in one line that names the cause and the fix, and an outage logs one traceback."""

from __future__ import annotations

import errno
import io
import logging
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from socialdesk.cli import main
from socialdesk.cli.errors import explain, move_config
from socialdesk.runtime.logs import RepeatFilter


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    return status, capsys.readouterr().err


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_it_refuses_a_deeply_nested_json_line_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deep = tmp_path / "deep.jsonl"
    deep.write_text('{"text": ' + "[" * 100_000 + "]" * 100_000 + "}\n", encoding="utf-8")
    status, err = _run(capsys, "classify", "--jsonl", str(deep))
    assert status != 0 and "nests too deeply" in _one_line(err)


def test_it_names_invalid_utf8_in_a_jsonl_file_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"id": 1, "text": "halo \xff min"}\n')
    status, err = _run(capsys, "classify", "--jsonl", str(bad))
    assert status != 0 and "not UTF-8" in _one_line(err)


def test_it_says_the_database_is_unreachable_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SOCIALDESK_DATABASE_URL", "postgresql+psycopg://desk@127.0.0.1:1/desk")
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path))
    status, err = _run(capsys, "queue")
    line = _one_line(err)
    assert status == 1 and "cannot reach the database" in line and "running" in line


def test_it_says_a_mistyped_database_url_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SOCIALDESK_DATABASE_URL", f"sqlit:///{tmp_path}/desk.db")
    status, err = _run(capsys, "queue")
    assert status == 2 and "sqlite:///PATH" in _one_line(err)


def test_it_explains_a_read_only_database(tmp_path: Path) -> None:
    path = tmp_path / "desk.db"
    create_engine(f"sqlite:///{path}").connect().close()
    readonly = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    with pytest.raises(OperationalError) as caught, readonly.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    line = explain(caught.value)
    assert line is not None and line.startswith("the database is read-only")


def test_it_explains_a_port_in_use_and_an_unwritable_directory() -> None:
    in_use = explain(OSError(errno.EADDRINUSE, "Address already in use"))
    assert in_use is not None and "--metrics-port" in in_use
    denied = explain(PermissionError(errno.EACCES, "Permission denied", "/srv/demo"))
    assert denied is not None and "/srv/demo" in denied
    assert explain(RuntimeError("a bug")) is None  # unknown: keeps its traceback


def test_it_takes_config_after_the_command(tmp_path: Path) -> None:
    assert move_config(["queue", "--config", "a.toml", "--json"]) == [
        "--config", "a.toml", "queue", "--json"]
    assert move_config(["show", "3", "--config=b.toml"]) == ["--config=b.toml", "show", "3"]
    assert move_config(["--config", "a.toml", "queue"]) == ["--config", "a.toml", "queue"]


def test_it_reads_the_config_named_after_the_command(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "desk.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/desk.db"\n', encoding="utf-8")
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    assert (tmp_path / "desk.db").exists()


def test_it_logs_one_traceback_then_one_line_per_retry_during_an_outage() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RepeatFilter())
    logger = logging.getLogger("test-outage")
    logger.handlers[:], logger.propagate = [handler], False
    for _ in range(5):
        try:
            raise ConnectionError("connection refused by 127.0.0.1:5432")
        except ConnectionError:
            logger.exception("poll failed")
    text_out = out.getvalue()
    assert text_out.count("Traceback") == 1
    assert "failing again, 5 times: ConnectionError: connection refused" in text_out
    assert sum("failing again" in line for line in text_out.splitlines()) == 4
