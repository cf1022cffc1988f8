from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from socialdesk.cli import main

KEYS = {"id", "service", "item", "intent", "pii", "action", "confidence", "rules"}


def _lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_it_classifies_one_text(capsys: pytest.CaptureFixture[str]) -> None:
    text = "min tolong cek SP2D no 250211301004587 ke rek Mandiri 1430012345678"
    status = main(["classify", text, "--channel", "instagram", "--kind", "comment"])
    [row] = _lines(capsys.readouterr().out)
    assert status == 0
    assert set(row) == KEYS
    assert row["id"] is None
    assert row["pii"] == ["account_number", "sp2d_number"]
    assert row["action"] == "redirect_private"
    assert isinstance(row["confidence"], float) and 0 <= row["confidence"] <= 1


def test_it_reports_bad_lines_and_goes_on(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join([
        json.dumps({"id": "a", "channel": "twitter", "kind": "mention", "text": "makasih min 🙏",
                    "author": "ignored"}),
        "{not json",
        json.dumps({"id": "c", "channel": "twitter", "kind": "mention"}),
        json.dumps({"id": "d", "channel": "myspace", "kind": "mention", "text": "halo"}),
        json.dumps({"id": "e", "channel": "twitter", "kind": "dm", "text": 42}),
        json.dumps(["not", "an", "object"]),
        "",
        json.dumps({"id": "g", "channel": "facebook", "kind": "dm", "text": "halo min"}),
    ]), encoding="utf-8")
    status = main(["classify", "--jsonl", str(source)])
    rows = _lines(capsys.readouterr().out)
    assert status == 1
    assert [r["id"] for r in rows] == ["a", None, "c", "d", "e", None, "g"]
    assert set(rows[0]) == KEYS and set(rows[-1]) == KEYS
    assert all(set(r) == {"id", "error"} for r in rows[1:6])
    assert "text" in str(rows[2]["error"]) and "channel" in str(rows[3]["error"])


def test_it_exits_zero_when_every_line_is_good(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "x1", "channel": "youtube", "kind": "comment",
                                  "text": "halo kak"}) + "\n", encoding="utf-8")
    assert main(["classify", "--jsonl", str(source)]) == 0
    assert _lines(capsys.readouterr().out)[0]["id"] == "x1"


def test_it_refuses_bad_usage(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["classify"]) == 2
    assert main(["classify", "halo", "--jsonl", "-"]) == 2
    assert main(["classify", "halo", "--kind", "story"]) == 2
    assert main(["guard", "--jsonl", str(tmp_path / "missing.jsonl")]) == 2
    assert "error" in capsys.readouterr().err


def test_it_checks_replies_with_the_guard(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["guard", "Cek di djpb.kemenkeu.go.id ya Kak", "--channel", "instagram"]) == 0
    assert _lines(capsys.readouterr().out) == [{"id": None, "verdict": "pass", "reasons": []}]
    source = tmp_path / "out.jsonl"
    source.write_text("\n".join([
        json.dumps({"id": "r1", "channel": "twitter", "text": "Cek di djpb.kemenkeu.go.id ya Kak"}),
        json.dumps({"id": "r2", "channel": "facebook", "text": "NIK 3374064508870003 sudah aktif"}),
        json.dumps({"id": "r3", "channel": "facebook"}),
    ]), encoding="utf-8")
    assert main(["guard", "--jsonl", str(source)]) == 1
    rows = _lines(capsys.readouterr().out)
    assert rows[0] == {"id": "r1", "verdict": "block", "reasons": ["link_on_x"]}
    assert rows[1] == {"id": "r2", "verdict": "block", "reasons": ["pii:nik"]}
    assert rows[2]["id"] == "r3" and "error" in rows[2]


def test_it_runs_as_a_command_reading_standard_input() -> None:
    lines = "\n".join(json.dumps(r) for r in [
        {"id": "s1", "channel": "twitter", "kind": "mention", "text": "@haiDJPb makasih min"},
        {"id": "s2", "channel": "instagram", "kind": "comment", "text": "NIK sy 3374064508870003"},
    ])
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from socialdesk.cli import main; sys.exit(main())",
         "classify", "--jsonl", "-"],
        input=lines, capture_output=True, text=True, timeout=120, check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 0, done.stderr
    rows = _lines(done.stdout)
    assert [r["id"] for r in rows] == ["s1", "s2"]
    assert rows[1]["action"] == "redirect_private"
