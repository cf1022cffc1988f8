"""Issue 13, point 12: bounded dependencies, a lock that holds them, an offline audit."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _audit() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_deps", ROOT / ".ci" / "audit_deps.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    return [Requirement(r) for r in [*project["dependencies"], *extras["dev"]]]


def test_it_bounds_every_dependency_from_above() -> None:
    unbounded = [str(r) for r in _requirements()
                 if not any(s.operator in ("<", "<=", "==", "~=") for s in r.specifier)]
    assert unbounded == []


def test_it_locks_every_dependency_inside_its_bounds() -> None:
    locked = _audit().pins(ROOT / "requirements.lock")
    wrong = [f"{r}: locked {locked.get(canonicalize_name(r.name))}" for r in _requirements()
             if locked.get(canonicalize_name(r.name)) not in r.specifier]
    assert wrong == [], "pyproject.toml changed: run `make lock`"
    lines = (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
    pinned = [i for i, line in enumerate(lines) if "==" in line and not line.startswith(" ")]
    assert all("--hash=sha256:" in lines[i + 1] for i in pinned)


def test_it_keeps_the_sandboxed_template_engine_past_its_escapes() -> None:
    jinja = next(r for r in _requirements() if r.name == "jinja2")
    assert "3.1.5" not in jinja.specifier and "3.1.6" in jinja.specifier


def test_it_audits_the_lock_offline_and_names_a_vulnerable_pin(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    audit = _audit()
    assert audit.main(["audit"]) == 0
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    old = tmp_path / "old.lock"
    old.write_text(lock.replace("\njinja2==3.1.6 ", "\njinja2==3.1.4 "), encoding="utf-8")
    assert audit.main(["audit", str(old)]) == 1
    assert "CVE-2025-27516" in capsys.readouterr().err
