from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

UNITS = sorted((Path(__file__).resolve().parent.parent / "systemd").glob("*.service"))
HARDENING = ("NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes",
             "DynamicUser=yes", "StateDirectory=socialdesk")


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_it_ships_hardened_units(unit: Path) -> None:
    text = unit.read_text()
    for line in HARDENING:
        assert line in text.splitlines(), f"{unit.name} lacks {line}"
    assert "ExecStart=/opt/socialdesk/bin/socialdesk " in text


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_it_passes_systemd_analyze_verify(unit: Path, tmp_path: Path) -> None:
    # verify wants ExecStart's binary to exist, so point the unit at a stand-in path.
    copy = tmp_path / unit.name
    fake_bin = tmp_path / "socialdesk"
    fake_bin.write_text("#!/bin/sh\n")
    fake_bin.chmod(0o755)
    copy.write_text(unit.read_text().replace("/opt/socialdesk/bin/socialdesk",
                                             str(fake_bin)))
    result = subprocess.run(["systemd-analyze", "verify", str(copy)],
                            capture_output=True, text=True, timeout=60)
    problems = [line for line in result.stderr.splitlines()
                if unit.name in line and "Documentation" not in line]
    assert result.returncode == 0 or not problems, result.stderr
    assert not problems, result.stderr
