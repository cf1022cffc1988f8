"""The `socialdesk` command: one entry point, one module per group of subcommands.

Each module in COMMANDS has `register(subparsers)`, which adds its subcommands and sets
`func` on them; `func(args) -> int` returns the exit status. Input errors are raised as
`UsageError` (or a ValueError/KeyError from the core) and shown as one line with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from socialdesk import __version__
from socialdesk.cli.common import UsageError

# One line per command group; a new group is one module and one line here.
COMMANDS = (
    "socialdesk.cli.setup",
    "socialdesk.cli.catalog",
    "socialdesk.cli.calendar",
    "socialdesk.cli.accounts",
    "socialdesk.cli.rules",
    "socialdesk.cli.agent",
    "socialdesk.cli.review",
    "socialdesk.cli.daemon",
    "socialdesk.cli.demo",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="socialdesk",
        description="Social-media desk of HAI-DJPb: inbox, triage, guarded replies, SLA clocks.",
    )
    parser.add_argument("--version", action="version", version=f"socialdesk {__version__}")
    parser.add_argument(
        "--config", metavar="FILE",
        help="settings file (default: $SOCIALDESK_CONFIG, config/socialdesk.toml, "
             "or config/socialdesk.example.toml)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMANDS:
        importlib.import_module(module_name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"socialdesk: error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, KeyError, LookupError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"socialdesk: error: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130
