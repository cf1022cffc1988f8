"""Issue 13, point 10: the command line is consistent: help for every argument, JSONL errors
on stderr with their line numbers, a BOM and numeric ids accepted, x called x."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from socialdesk.cli import build_parser, main


def _without_help(parser: argparse.ArgumentParser, path: str) -> list[str]:
    missing = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                missing += _without_help(child, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction) and not action.help:
            missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
    return missing


def test_it_has_help_for_every_argument_and_option() -> None:
    assert _without_help(build_parser(), "socialdesk") == []


def test_it_reads_a_jsonl_file_with_a_bom_and_numeric_ids(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    rows = [{"id": 1, "channel": "x", "kind": "mention", "text": "makasih min"},
            {"id": 2, "channel": "twitter", "kind": "mention", "text": "halo min"}]
    source.write_text("\ufeff" + "\n".join(json.dumps(r) for r in rows) + "\n",
                      encoding="utf-8")
    assert main(["classify", "--jsonl", str(source)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in out] == [1, 2] and all("error" not in r for r in out)


def test_it_names_the_line_of_each_bad_record_on_stderr(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join([
        json.dumps({"id": "a", "channel": "x", "kind": "mention", "text": "halo"}),
        "{not json",
        json.dumps({"id": "c", "channel": "x", "kind": "mention"}),
    ]) + "\n", encoding="utf-8")
    assert main(["classify", "--jsonl", str(source)]) == 1
    captured = capsys.readouterr()
    errors = captured.err.strip().splitlines()
    assert errors[0].startswith("socialdesk: line 2: not JSON")
    assert errors[1].startswith("socialdesk: line 3 (id c): missing field 'text'")
    assert len(captured.out.strip().splitlines()) == 3  # one output row per input row


def test_it_fails_a_guard_check_that_blocks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["guard", "--channel", "x", "dasar goblok lu"]) != 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "block"
