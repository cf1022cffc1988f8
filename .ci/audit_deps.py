"""Offline dependency audit: no version pinned in requirements.lock may be one that a known
advisory names (security/advisories.json, refreshed by hand; see the README). Exit status 1
names each hit; 0 prints how many pins and advisories were compared."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def pins(lock: Path) -> dict[str, Version]:
    found = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            found[canonicalize_name(match.group(1))] = Version(match.group(2))
    return found


def hits(locked: dict[str, Version], advisories: list[dict[str, str]]) -> list[str]:
    out = []
    for adv in advisories:
        version = locked.get(canonicalize_name(adv["package"]))
        if version is not None and version in SpecifierSet(adv["affected"]):
            out.append(f"{adv['package']}=={version}: {adv['id']} ({adv['summary']}); "
                       f"affected {adv['affected']}")
    return out


def main(argv: list[str]) -> int:
    lock = Path(argv[1]) if len(argv) > 1 else ROOT / "requirements.lock"
    data = json.loads((ROOT / "security" / "advisories.json").read_text(encoding="utf-8"))
    locked = pins(lock)
    found = hits(locked, data["advisories"])
    for line in found:
        print(f"vulnerable: {line}", file=sys.stderr)
    if not found:
        print(f"dependency audit: {len(locked)} pins, {len(data['advisories'])} advisories "
              f"(snapshot of {data['updated']}), none affected")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
