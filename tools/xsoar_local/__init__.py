"""The local XSOAR engine (see engine.py). Importing it puts on the path what the platform gives every script at run
time: its runtime (Tests/runtime: CommonServerPython, demistomock) and the pack's API modules, which the platform
finds inlined in each integration."""

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
RUNTIME_PATHS = [_ROOT / "Tests" / "runtime", *sorted((_ROOT / "Packs" / "ApiModules" / "Scripts").glob("*ApiModule"))]
for _path in reversed(RUNTIME_PATHS):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
