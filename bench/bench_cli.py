"""How long an agent waits for a `socialdesk` command: the whole process, from exec to exit.

Each command is run several times as a fresh process (the way a shell runs it) and its
min/median/max wall time printed, with its median CPU time (user + system), which a shared
machine's load changes far less. The interpreter alone (`python -c pass`) is the floor.
`queue` reads a demo day's database, made once in a temporary directory first.

With --baseline DIR (a checkout of an earlier version), every round runs the earlier
version right after this one, so both see the same load on a shared machine and the
figures are printed side by side.

Aims: `--help` <= 0.15 s, `classify TEXT` <= 0.35 s, `queue` <= 0.3 s.

Run from the repository root:
    .venv/bin/python bench/bench_cli.py [--runs 7] [--baseline /path/to/older/checkout]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from common import PYTHON, REPO, load_line, machine_lines

AIMS = {"--help": 0.15, "classify TEXT": 0.35, "queue": 0.30}


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    argv: tuple[str, ...]  # after the interpreter


def cases(demo_config: Path) -> list[Case]:
    """The commands timed; `demo_config` names the demo database of the version timed."""
    cli = ("-m", "socialdesk")
    return [
        Case("python -c pass", ("-c", "pass")),
        Case("--help", (*cli, "--help")),
        Case("classify TEXT", (*cli, "classify", "kapan SP2D gaji saya cair?")),
        Case("queue", (*cli, "--config", str(demo_config), "queue")),
    ]


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run_once(argv: tuple[str, ...], source: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run. On a shared machine the
    wall time follows the load; the CPU time is the command's own cost."""
    env = dict(os.environ, PYTHONPATH=str(source))
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run([str(PYTHON), *argv], env=env, cwd=source,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({source}):\n{done.stderr.decode()[-2000:]}")
    return seconds, _children_cpu() - cpu


def make_demo(workdir: Path, source: Path) -> Path:
    """A demo day's database, as `socialdesk demo` leaves it; returns its settings file."""
    day = workdir / "demo"
    subprocess.run([str(PYTHON), "-m", "socialdesk", "demo", "--speed", "20000",
                    "--dir", str(day)], cwd=source, check=True, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, PYTHONPATH=str(source)))
    return day / "socialdesk.toml"


def spread(values: list[float]) -> str:
    return (f"{min(values):>7.3f}{statistics.median(values):>8.3f}{max(values):>7.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start-up time of the socialdesk command.")
    parser.add_argument("--runs", type=int, default=7, help="runs per command (default 7)")
    parser.add_argument("--baseline", type=Path,
                        help="an older checkout to time in the same rounds, for comparison")
    parser.add_argument("--source", type=Path, default=REPO,
                        help="the checkout to time (default: this one), e.g. an export of "
                             "HEAD without work in progress")
    args = parser.parse_args(argv)
    sources = {"now": args.source.resolve()}
    if args.baseline:
        sources["baseline"] = args.baseline.resolve()
    for line in machine_lines(None):
        print(line)
    with tempfile.TemporaryDirectory(prefix="socialdesk-cli-") as tmp:
        # Each version reads a demo day made by itself: its schema is the one it expects.
        todo = {label: cases(make_demo(Path(tmp) / label, source))
                for label, source in sources.items()}
        times: dict[tuple[str, str], list[float]] = {}
        cpu: dict[tuple[str, str], list[float]] = {}
        for label, source in sources.items():  # a warm-up each: byte-code, page cache
            for case in todo[label]:
                run_once(case.argv, source)
        for _ in range(args.runs):
            for index in range(len(todo["now"])):
                for label, source in sources.items():
                    case = todo[label][index]
                    wall, used = run_once(case.argv, source)
                    times.setdefault((case.name, label), []).append(wall)
                    cpu.setdefault((case.name, label), []).append(used)
    print(f"\nseconds per whole process, {args.runs} runs each, rounds interleaved")
    head = (f"{'command':<16}{'version':<10}{'min':>7}{'median':>8}{'max':>7}{'aim':>7}"
            f"{'cpu median':>12}")
    print(head)
    print("-" * len(head))
    for case in todo["now"]:
        for label in sources:
            aim = AIMS.get(case.name)
            print(f"{case.name:<16}{label:<10}{spread(times[(case.name, label)])}"
                  f"{(f'{aim:.2f}' if aim else ''):>7}"
                  f"{statistics.median(cpu[(case.name, label)]):>12.3f}")
    print(load_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
