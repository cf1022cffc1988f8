"""The training scripts replace a weights file in one rename, never leaving half of one."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from model_file import write_model


def test_the_weights_file_is_replaced_whole_and_no_temporary_file_stays(
        tmp_path: Path) -> None:
    path = tmp_path / "model.json.gz"
    write_model(path, {"format": 1, "heads": {"a": [1.5]}})
    write_model(path, {"format": 1, "heads": {"b": [2.5]}})
    with gzip.open(path, "rt", encoding="utf-8") as f:
        assert json.load(f) == {"format": 1, "heads": {"b": [2.5]}}
    assert [p.name for p in tmp_path.iterdir()] == ["model.json.gz"]


def test_a_model_that_cannot_be_written_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "model.json.gz"
    write_model(path, {"format": 1})
    with pytest.raises(TypeError):
        write_model(path, {"format": object()})
    with gzip.open(path, "rt", encoding="utf-8") as f:
        assert json.load(f) == {"format": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["model.json.gz"]
