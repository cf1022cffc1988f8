"""The calendar reads Indonesia's holidays from that country's module alone, and gets what
`holidays.country_holidays` gives."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import holidays
import pytest

from socialdesk.core.clock_rules import check_country

CATEGORIES = (("public",), ("public", "government"))
YEARS = (2019, 2024, 2026, 2030)
# A fresh interpreter: this test process has imported every country already.
ALONE = f"""
import json, sys
from socialdesk.core.clock_rules import check_country, public_holidays
check_country("ID", ("public", "government"))
found = {{" ".join(c) + f" {{y}}": {{d.isoformat(): n for d, n in
          public_holidays("ID", c, y).items()}} for c in {CATEGORIES!r} for y in {YEARS!r}}}
modules = sorted(m for m in sys.modules if m.startswith("holidays.countries"))
print(json.dumps({{"modules": modules, "found": found}}))
"""


@pytest.fixture(scope="module")
def alone() -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", ALONE], capture_output=True, text=True,
                         check=True).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def test_it_imports_no_other_countrys_holidays(alone: dict[str, Any]) -> None:
    assert alone["modules"] == []


@pytest.mark.parametrize("categories", CATEGORIES)
@pytest.mark.parametrize("year", YEARS)
def test_it_lists_the_holidays_the_package_lists(alone: dict[str, Any],
                                                 categories: tuple[str, ...],
                                                 year: int) -> None:
    language = holidays.country_holidays("ID").default_language
    expected = {day.isoformat(): str(name) for day, name in holidays.country_holidays(
        "ID", years=year, categories=categories, language=language).items()
        if day.year == year}
    assert expected and alone["found"][" ".join(categories) + f" {year}"] == expected


def test_it_refuses_a_country_or_category_the_package_does_not_know() -> None:
    with pytest.raises(ValueError, match="no holiday list"):
        check_country("XX", ("public",))
    with pytest.raises(ValueError, match="categories"):
        check_country("ID", ("no-such-category",))
