"""The service catalog: 19 services, their modules and items, each with a fulfilment time.

Pure data plus a strict loader. Ids are strings ("8", "8.1", "8.1.b", "2.15") because they are
the stable keys shared with tickets, rules and the labelled message sets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from socialdesk.core.resources import CATALOG, default_path
from socialdesk.core.yamlread import safe_load

_ID = re.compile(r"^[1-9][0-9]*(\.[1-9][0-9]*(\.[a-z]{1,2})?)?$")


class CatalogError(ValueError):
    """The catalog file is unusable; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    name: str
    service_id: str
    hours: int
    owner_unit: str
    module_id: str | None = None
    module_name: str | None = None


@dataclass(frozen=True, slots=True)
class Module:
    id: str
    name: str
    item_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    name: str
    owner_unit: str
    hours: int
    """Fulfilment hours of the service itself: its own for itemless services, else the most
    common among its items (what a ticket without an item gets)."""
    item_ids: tuple[str, ...]
    modules: tuple[Module, ...]


@dataclass(frozen=True, slots=True)
class Catalog:
    services: Mapping[str, Service]
    items: Mapping[str, Item]
    source: str

    def service(self, service_id: str) -> Service:
        try:
            return self.services[service_id]
        except KeyError:
            raise KeyError(f"unknown service id {service_id!r}") from None

    def item(self, item_id: str) -> Item:
        try:
            return self.items[item_id]
        except KeyError:
            raise KeyError(f"unknown item id {item_id!r}") from None

    def items_of(self, service_id: str) -> Iterator[Item]:
        for item_id in self.service(service_id).item_ids:
            yield self.items[item_id]

    def hours_for(self, service_id: str, item_id: str | None) -> int:
        """Fulfilment working hours for a ticket on this service (and item, when known)."""
        if item_id is not None:
            return self.item(item_id).hours
        return self.service(service_id).hours

    def owner_for(self, service_id: str, item_id: str | None) -> str:
        if item_id is not None:
            return self.item(item_id).owner_unit
        return self.service(service_id).owner_unit

    def lookup(self, any_id: str) -> Service | Module | Item:
        """Resolve a service, module or item id; raises KeyError naming the id."""
        if any_id in self.services:
            return self.services[any_id]
        if any_id in self.items:
            return self.items[any_id]
        for service in self.services.values():
            for module in service.modules:
                if module.id == any_id:
                    return module
        raise KeyError(f"unknown catalog id {any_id!r}")


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"{where}: {key!r} must be a non-empty string")
    return value.strip()


def _hours(entry: Mapping[str, Any], where: str) -> int:
    value = entry.get("hours")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2000:
        raise CatalogError(f"{where}: 'hours' must be a whole number of working hours (1..2000)")
    return value


def _entry_id(entry: Any, where: str, parent: str | None) -> str:
    if not isinstance(entry, Mapping):
        raise CatalogError(f"{where}: expected a mapping, got {type(entry).__name__}")
    raw = entry.get("id")
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        raise CatalogError(f"{where}: 'id' is missing or not a string")
    entry_id = str(raw)
    if not _ID.match(entry_id):
        raise CatalogError(f"{where}: id {entry_id!r} is not of the form 8, 8.1 or 8.1.b")
    if parent is not None and not entry_id.startswith(parent + "."):
        raise CatalogError(f"{where}: id {entry_id!r} does not belong under {parent!r}")
    return entry_id


def parse_catalog(data: Any, source: str = "<catalog>") -> Catalog:
    if not isinstance(data, Mapping) or not isinstance(data.get("services"), list):
        raise CatalogError(f"{source}: top level must be a mapping with a 'services' list")
    services: dict[str, Service] = {}
    items: dict[str, Item] = {}
    seen: set[str] = set()

    def claim(entry_id: str, where: str) -> None:
        if entry_id in seen:
            raise CatalogError(f"{where}: duplicate id {entry_id!r}")
        seen.add(entry_id)

    for s_index, s_entry in enumerate(data["services"]):
        where = f"{source}: services[{s_index}]"
        sid = _entry_id(s_entry, where, None)
        where = f"{source}: service {sid}"
        if "." in sid:
            raise CatalogError(f"{where}: a service id has no dots")
        claim(sid, where)
        s_name = _text(s_entry, "name", where)
        s_owner = _text(s_entry, "owner_unit", where)
        raw_items = s_entry.get("items") or []
        if not isinstance(raw_items, list):
            raise CatalogError(f"{where}: 'items' must be a list")
        item_ids: list[str] = []
        modules: list[Module] = []

        def add_item(entry: Mapping[str, Any], iid: str, iwhere: str,
                     module: tuple[str, str] | None,
                     _sid: str = sid, _owner: str = s_owner,
                     _into: list[str] = item_ids) -> None:
            owner = entry.get("owner_unit", _owner)
            if not isinstance(owner, str) or not owner.strip():
                raise CatalogError(f"{iwhere}: 'owner_unit' must be a non-empty string")
            items[iid] = Item(
                id=iid, name=_text(entry, "name", iwhere), service_id=_sid,
                hours=_hours(entry, iwhere), owner_unit=owner.strip(),
                module_id=module[0] if module else None,
                module_name=module[1] if module else None,
            )
            _into.append(iid)

        for i_index, i_entry in enumerate(raw_items):
            iwhere = f"{where}, items[{i_index}]"
            iid = _entry_id(i_entry, iwhere, sid)
            iwhere = f"{source}: entry {iid}"
            claim(iid, iwhere)
            if "items" in i_entry:
                m_name = _text(i_entry, "name", iwhere)
                m_items: list[str] = []
                if not isinstance(i_entry["items"], list) or not i_entry["items"]:
                    raise CatalogError(f"{iwhere}: a module's 'items' must be a non-empty list")
                for j_index, j_entry in enumerate(i_entry["items"]):
                    jwhere = f"{iwhere}, items[{j_index}]"
                    jid = _entry_id(j_entry, jwhere, iid)
                    jwhere = f"{source}: entry {jid}"
                    claim(jid, jwhere)
                    if "items" in j_entry:
                        raise CatalogError(f"{jwhere}: items nest at most two levels deep")
                    add_item(j_entry, jid, jwhere, (iid, m_name))
                    m_items.append(jid)
                modules.append(Module(id=iid, name=m_name, item_ids=tuple(m_items)))
            else:
                add_item(i_entry, iid, iwhere, None)

        if item_ids:
            if "hours" in s_entry:
                raise CatalogError(f"{where}: 'hours' belongs on items when a service has items")
            hours_seen = [items[i].hours for i in item_ids]
            s_hours = max(set(hours_seen), key=hours_seen.count)
        else:
            s_hours = _hours(s_entry, where)
        services[sid] = Service(
            id=sid, name=s_name, owner_unit=s_owner, hours=s_hours,
            item_ids=tuple(item_ids), modules=tuple(modules),
        )
    if not services:
        raise CatalogError(f"{source}: no services")
    return Catalog(services=services, items=items, source=source)


def load_catalog(path: str | Path | None = None) -> Catalog:
    file = Path(path) if path is not None else default_path(CATALOG)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"{file}: cannot read catalog ({exc.strerror})") from None
    try:
        data = safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogError(f"{file}: not valid YAML ({exc})") from None
    return parse_catalog(data, str(file))
