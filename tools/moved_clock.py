"""Run a command with the machine's clock moved, for the whole process tree, to prove the suite passes on any date.

    python -m tools.moved_clock                      # the suite without its end-to-end tests, at +1 year and +5 years
    python -m tools.moved_clock --shift +30d -- make bench

libfaketime (the PyPI package bundles the library) is preloaded into every process the command starts: wall-clock
reads (`time.time`, `datetime.now`, `date`) move by the shift, the monotonic clock does not, so timeouts and
budgets behave. Before each run a child process proves its clock really moved, so a preload that silently did
nothing cannot pass for a clean run.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHIFTS = ("+400d", "+1826d")  # a year and a month ahead; five years ahead
DEFAULT_COMMAND = (sys.executable, "-m", "pytest", "-m", "not e2e")
TOLERANCE_S = 600  # between reading the real clock here and the moved one in the child
SHIFT = re.compile(r"^([+-])(\d+)([dhms]?)$")
UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1, "": 1}


def shift_seconds(shift: str) -> int:
    """`+400d` -> 34,560,000; libfaketime's relative offsets, in days, hours, minutes or seconds."""
    match = SHIFT.match(shift)
    if not match:
        raise SystemExit(f'--shift must be a relative offset such as "+400d" or "-12h"; got "{shift}".')
    sign, amount, unit = match.groups()
    return (1 if sign == "+" else -1) * int(amount) * UNIT_SECONDS[unit]


def faketime_library() -> Path:
    import libfaketime

    library = Path(libfaketime.__file__).parent / "vendor" / "libfaketime" / "src" / "libfaketime.so.1"
    if not library.exists():
        raise SystemExit(f"libfaketime's library is not at {library}: reinstall the libfaketime package")
    return library


FAKETIME_VARIABLES = ("LD_PRELOAD", "FAKETIME", "DONT_FAKE_MONOTONIC")


def real_environment() -> dict[str, str]:
    """This process's environment without a clock shift (it may itself run under one: the suite tests this tool)."""
    return {name: value for name, value in os.environ.items() if name not in FAKETIME_VARIABLES}


def moved_environment(shift: str) -> dict[str, str]:
    return {**real_environment(), "LD_PRELOAD": str(faketime_library()), "FAKETIME": shift, "DONT_FAKE_MONOTONIC": "1"}


def clock_in(environment: dict[str, str]) -> float:
    return float(subprocess.run([sys.executable, "-c", "import time; print(time.time())"], env=environment,
                                check=True, capture_output=True, text=True).stdout)


def check_moved(shift: str) -> float:
    """The clock a child process sees with the shift, minus the one a child sees without; fails unless it is the
    shift."""
    real = clock_in(real_environment())
    moved = clock_in(moved_environment(shift)) - real
    if abs(moved - shift_seconds(shift)) > TOLERANCE_S:
        raise SystemExit(f"the clock did not move by {shift}: a child process saw {moved:+.0f} s")
    return moved


def run_moved(shift: str, command: list[str]) -> int:
    moved = check_moved(shift)
    seen = time.strftime("%Y-%m-%d", time.gmtime(clock_in(real_environment()) + moved))
    print(f"== clock moved {shift} (the processes see {seen}): {' '.join(command)}", flush=True)
    return subprocess.run(command, env=moved_environment(shift), cwd=ROOT).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shift", action="append", help="libfaketime offset, e.g. +400d (repeatable; default: "
                                                           f"{' '.join(DEFAULT_SHIFTS)})")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to run (after --); default: the suite "
                                                                  "without its end-to-end tests")
    options = parser.parse_args(argv)
    command = [part for part in options.command if part != "--"] or list(DEFAULT_COMMAND)
    for shift in options.shift or DEFAULT_SHIFTS:
        shift_seconds(shift)
        code = run_moved(shift, command)
        if code:
            print(f"== FAILED with the clock moved {shift}", flush=True)
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
