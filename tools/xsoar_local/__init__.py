"""The local XSOAR engine (see engine.py). The platform runtime it serves to scripts lives in Tests/runtime."""

import sys
from pathlib import Path

_RUNTIME = Path(__file__).resolve().parents[2] / "Tests" / "runtime"
if str(_RUNTIME) not in sys.path:
    sys.path.insert(0, str(_RUNTIME))
