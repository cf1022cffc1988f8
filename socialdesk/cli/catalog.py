"""`socialdesk catalog list|show`: the service catalog as agents and admins read it."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from socialdesk.cli.common import UsageError, settings_from

if TYPE_CHECKING:  # imported by the commands, which read the catalog anyway
    from socialdesk.core.catalog import Catalog


def register(sub: Any) -> None:
    cat = sub.add_parser("catalog", help="the service catalog (19 services, their items)")
    cat_sub = cat.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
    lst = cat_sub.add_parser("list", help="list the services, or the items of one service")
    lst.add_argument("service", nargs="?", help="a service id, to list its items")
    lst.set_defaults(func=cmd_list)
    show = cat_sub.add_parser("show", help="show one service, module or item by id")
    show.add_argument("id", help='e.g. "8", "8.1" or "8.1.b"')
    show.set_defaults(func=cmd_show)


def _catalog(args: argparse.Namespace) -> Catalog:
    from socialdesk.core.catalog import load_catalog

    return load_catalog(settings_from(args).catalog_path)


def cmd_list(args: argparse.Namespace) -> int:
    catalog = _catalog(args)
    if args.service:
        if args.service not in catalog.services:
            raise UsageError(
                f"unknown service id {args.service!r} (see `socialdesk catalog list`)")
        for item in catalog.items_of(args.service):
            print(f"{item.id:<8} {item.hours:>3} jam kerja  {item.name}")
        return 0
    print(f"{'id':<4} {'items':>5} {'jam':>4}  service")
    for service in catalog.services.values():
        print(f"{service.id:<4} {len(service.item_ids):>5} {service.hours:>4}  {service.name}")
    print(f"{len(catalog.services)} services, {len(catalog.items)} items")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from socialdesk.core.catalog import Item, Module, Service

    catalog = _catalog(args)
    try:
        found = catalog.lookup(args.id)
    except KeyError:
        raise UsageError(
            f"unknown catalog id {args.id!r} (see `socialdesk catalog list`)") from None
    if isinstance(found, Item):
        service = catalog.service(found.service_id)
        print(f"{found.id}  {found.name}")
        print(f"  service:     {service.id} {service.name}")
        if found.module_id:
            print(f"  module:      {found.module_id} {found.module_name}")
        print(f"  fulfilment:  {found.hours} working hours")
        print(f"  owner unit:  {found.owner_unit}")
    elif isinstance(found, Service):
        print(f"{found.id}  {found.name}")
        print(f"  owner unit:  {found.owner_unit}")
        print(f"  fulfilment:  {found.hours} working hours")
        print(f"  items:       {len(found.item_ids)}")
        for module in found.modules:
            print(f"  module {module.id}: {module.name} ({len(module.item_ids)} items)")
    elif isinstance(found, Module):
        print(f"{found.id}  {found.name}")
        for item_id in found.item_ids:
            item = catalog.item(item_id)
            print(f"  {item.id:<8} {item.hours:>3} jam kerja  {item.name}")
    return 0
