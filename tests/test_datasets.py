"""The labelled holdout set must stay valid against the labelling schema and the catalog."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from socialdesk.core.catalog import load_catalog
from socialdesk.rules.types import ACTIONS, INTENTS, REFUSAL_INTENTS

DATA = Path(__file__).resolve().parent.parent / "data"
FIELDS = {"id", "channel", "kind", "author", "text", "service", "item", "intent", "pii",
          "expected_action", "notes"}
PII_KINDS = {"account_number", "nik", "npwp", "phone", "email", "sp2d_number", "nip",
             "address", "name_full"}


@pytest.mark.parametrize("name", ["holdout.jsonl", "holdout2.jsonl"])
def test_it_keeps_the_labelled_sets_valid_against_schema_and_catalog(name: str) -> None:
    catalog = load_catalog()
    rows = [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]
    assert len({r["id"] for r in rows}) == len(rows) >= 200
    for row in rows:
        where = row["id"]
        assert set(row) == FIELDS, where
        assert row["channel"] in {"twitter", "instagram", "facebook", "youtube"}, where
        assert row["kind"] in {"mention", "comment", "reply", "dm"}, where
        assert row["intent"] in INTENTS and row["expected_action"] in ACTIONS, where
        assert set(row["pii"]) <= PII_KINDS, where
        if row["item"] is not None:
            assert catalog.item(row["item"]).service_id == row["service"], where
        if row["service"] is not None:
            assert row["service"] in catalog.services, where
        if row["intent"] in REFUSAL_INTENTS and not (row["pii"] and row["kind"] != "dm"):
            assert row["expected_action"] == "refuse", where
