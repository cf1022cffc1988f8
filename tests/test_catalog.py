from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from socialdesk.core.catalog import CatalogError, load_catalog, parse_catalog

FIXTURES = Path(__file__).parent / "fixtures"


def _reference_leaves(entries: list[dict[str, Any]]) -> dict[str, tuple[str, int]]:
    out: dict[str, tuple[str, int]] = {}
    for entry in entries:
        if "items" in entry:
            out.update(_reference_leaves(entry["items"]))
        else:
            out[str(entry["id"])] = (entry["name"], entry["resolve_working_hours"])
    return out


def test_it_holds_every_service_and_item_of_the_sla_reference() -> None:
    reference = yaml.safe_load((FIXTURES / "catalog-reference.yaml").read_text())
    catalog = load_catalog()
    assert [s["id"] for s in reference["services"]] == list(catalog.services)
    for service in reference["services"]:
        assert catalog.service(service["id"]).name == service["name"]
        leaves = _reference_leaves(service.get("items", []))
        assert set(leaves) == set(catalog.service(service["id"]).item_ids)
        for item_id, (name, hours) in leaves.items():
            assert catalog.item(item_id).name == name
            assert catalog.item(item_id).hours == hours
    assert len(catalog.services) == 19


def test_it_gives_broadcast_eight_hours_and_items_their_own() -> None:
    catalog = load_catalog()
    assert catalog.hours_for("14", None) == 8
    assert catalog.hours_for("8", "8.1.b") == 24
    assert catalog.item("8.1.b").module_id == "8.1"


def test_it_names_an_owner_unit_per_item_with_narasumber_overrides() -> None:
    catalog = load_catalog()
    assert "Sistem Informasi" in catalog.owner_for("8", "8.1.b")
    assert catalog.owner_for("18", "18.10") == "Pusat Investasi Pemerintah"
    assert all(item.owner_unit for item in catalog.items.values())


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"services": [{"id": "1", "name": "A", "owner_unit": "U",
                        "items": [{"id": "1.1", "name": "x", "hours": 0}]}]}, "entry 1.1"),
        ({"services": [{"id": "1", "name": "A", "owner_unit": "U",
                        "items": [{"id": "2.1", "name": "x", "hours": 24}]}]}, "under '1'"),
        ({"services": [{"id": "1", "name": "A", "owner_unit": "U", "hours": 8},
                       {"id": "1", "name": "B", "owner_unit": "U", "hours": 8}]}, "duplicate"),
        ({"services": [{"id": "1", "owner_unit": "U", "hours": 8}]}, "'name'"),
        ({"services": [{"id": "1", "name": "A", "hours": 8}]}, "'owner_unit'"),
        ({"services": "nope"}, "'services' list"),
    ],
)
def test_it_rejects_a_bad_catalog_naming_the_entry(data: Any, needle: str) -> None:
    with pytest.raises(CatalogError, match=r"bad\.yaml") as caught:
        parse_catalog(data, "bad.yaml")
    assert needle in str(caught.value)


def test_it_reports_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("services: [\n")
    with pytest.raises(CatalogError, match="not valid YAML"):
        load_catalog(broken)
