"""The `socialdesk` command: one entry point, one module per group of subcommands.

Each module in COMMANDS has `register(subparsers)`, which adds its subcommands and sets
`func` on them; `func(args) -> int` returns the exit status. Input errors are raised as
`UsageError` (or a ValueError/KeyError from the core) and shown as one line with status 2.

Start-up is kept short for agents at the shell: a command module imports at its top only
what `register` needs (argparse, cli.common, core.vocab and the like) and imports the
database, rules, connectors or web server inside the functions that run its commands
(tests/test_cli_startup.py checks this for every module in COMMANDS). With a command named
on the line, the modules after the one that registers it are not imported at all.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from socialdesk import __version__
from socialdesk.cli.common import UsageError
from socialdesk.cli.errors import explain, move_config
from socialdesk.cli.safeout import visible_output

# One line per command group; a new group is one module and one line here.
COMMANDS = (
    "socialdesk.cli.setup",
    "socialdesk.cli.catalog",
    "socialdesk.cli.calendar",
    "socialdesk.cli.accounts",
    "socialdesk.cli.rules",
    "socialdesk.cli.agent",
    "socialdesk.cli.review",
    "socialdesk.cli.privacy",
    "socialdesk.cli.daemon",
    "socialdesk.cli.demo",
    "socialdesk.cli.broadcast",
    "socialdesk.cli.digest",
    "socialdesk.cli.users",
    "socialdesk.cli.web",
    "socialdesk.cli.corrections",
)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole parser; given `argv`, only as far as the module with its command."""
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
    wanted = _command_word(argv) if argv is not None else None
    for module_name in COMMANDS:
        importlib.import_module(module_name).register(sub)
        if wanted is not None and wanted in sub.choices:
            break
    return parser


def _command_word(argv: Sequence[str]) -> str | None:
    """The command named in `argv` (the first word that is not an option or --config's
    value), or None: then every module is needed, for help or for the error message."""
    words = iter(argv)
    for word in words:
        if word == "--config":
            next(words, None)
        elif word == "--":
            return next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = move_config(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        with visible_output():  # platform text cannot drive the agent's terminal
            return int(args.func(args))
    except UsageError as exc:
        print(f"socialdesk: error: {exc}", file=sys.stderr)
        return 2
    except UnicodeDecodeError as exc:  # a ValueError, but the text says too little
        print(f"socialdesk: error: {explain(exc)}", file=sys.stderr)
        return 2
    except (ValueError, KeyError, LookupError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"socialdesk: error: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except Exception as exc:
        line = explain(exc)
        if line is None:
            raise  # not a known cause: its traceback is the bug report
        print(f"socialdesk: error: {line}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
