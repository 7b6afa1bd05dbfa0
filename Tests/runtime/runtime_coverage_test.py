"""The pack uses no runtime helper that no recorded platform case exercises; the engine and the tools touch the
runtime only through recorded names.

Our `Tests/runtime` is trustworthy only where a case recorded from the platform's real runtime pins it
(`golden/runtime-golden.json`, `golden/runtime-golden-platform.json`). This test reads the pack's Python (every
integration and script, tests excluded), collects every runtime name it uses — CommonServerPython functions,
classes and constants, `demisto.*` calls, and the members of CommonServerPython base classes it reaches through
`self` — and fails for a name that no case exercises, unless it is one of the platform's plain accessors below.
"""

import ast
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "Tests" / "runtime"
GOLDEN = RUNTIME / "golden"

# The platform's plain accessors: they hand over data the platform gives the run, with no behaviour to pin.
ACCESSORS = {
    "demisto.args": "the command's arguments, as given",
    "demisto.params": "the instance's parameters, as configured",
    "demisto.command": "the name of the command being run",
    "demisto.incident": "the incident a script runs in, as stored",
    "demisto.incidents": "fetch-incidents hands its incidents over (a list of dicts)",
    "demisto.getLastRun": "the last run fetch saved, as saved",
    "demisto.setLastRun": "saves fetch's last run (after the incidents are handed over)",
    "demisto.integrationInstance": "the instance's name",
    "demisto.debug": "a log line",
    "demisto.info": "a log line",
    "demisto.error": "a log line",
}

# What a recorded case exercises besides the function it is named after.
EXERCISED_BY = {
    "return_results(CommandResults)": {"return_results", "CommandResults", "demisto.results"},
    "return_results": {"return_results", "CommandResults", "GetRemoteDataResponse", "GetModifiedRemoteDataResponse",
                       "GetMappingFieldsResponse", "SchemeTypeMapping", "demisto.results"},
    "return_error": {"return_error", "demisto.results"},
    "BaseClient._http_request": {"BaseClient", "BaseClient._http_request", "DemistoException"},
}


def exercised() -> set[str]:
    names: set[str] = set()
    for golden in sorted(GOLDEN.glob("runtime-golden*.json")):
        for case in json.loads(golden.read_text())["cases"]:
            names |= EXERCISED_BY.get(case["fn"], {case["fn"]})
            names |= {f"demisto.{call[0]}" for call in case.get("platform_calls", [])}
    return names


def runtime_exports() -> set[str]:
    """The public names CommonServerPython itself defines."""
    tree = ast.parse((RUNTIME / "CommonServerPython.py").read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {name for name in names if not name.startswith("_")}


def pack_sources() -> list[Path]:
    return sorted(path for path in (ROOT / "Packs").rglob("*.py")
                  if not path.name.endswith("_test.py") and "test_data" not in path.parts
                  and path.name not in ("CommonServerPython.py", "CommonServerUserPython.py", "demistomock.py"))


def defined_in(tree: ast.Module) -> set[str]:
    """Names the file binds itself (its own functions, classes, constants and imports)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names if alias.name != "*"}
    return names - {"demisto"}


def subclass_members(tree: ast.Module, exports: set[str]) -> set[str]:
    """`Base.member` for members of a CommonServerPython base class that a subclass reaches through self/super()."""
    used = set()
    for cls in (node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)):
        bases = [base.id for base in cls.bases if isinstance(base, ast.Name) and base.id in exports]
        if not bases:
            continue
        own = {node.name for node in cls.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
        own |= {node.attr for node in ast.walk(cls) if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name) and node.value.id == "self"}
        for node in ast.walk(cls):
            if not isinstance(node, ast.Attribute) or node.attr in own:
                continue
            via_self = isinstance(node.value, ast.Name) and node.value.id == "self"
            via_super = isinstance(node.value, ast.Call) and getattr(node.value.func, "id", "") == "super"
            if via_self or via_super:
                used.add(f"{bases[0]}.{node.attr}")
    return used


def runtime_names_used(source: str, exports: set[str]) -> set[str]:
    tree = ast.parse(source)
    own = defined_in(tree)
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in exports and node.id not in own:
            used.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "demisto":
            used.add(f"demisto.{node.attr}")
    return used | subclass_members(tree, exports)


def test_the_pack_uses_only_runtime_names_that_recorded_cases_exercise():
    exports, covered = runtime_exports(), exercised() | set(ACCESSORS)
    unproven = {}
    for path in pack_sources():
        for name in sorted(runtime_names_used(path.read_text(), exports) - covered):
            unproven.setdefault(name, []).append(str(path.relative_to(ROOT)))
    assert not unproven, ("runtime names no recorded case exercises (write what is needed in the pack, use a covered "
                          f"helper, or get the helper recorded): {json.dumps(unproven, indent=1)}")


def test_the_collector_finds_helpers_members_and_platform_calls():
    source = ("from CommonServerPython import *\nimport demistomock as demisto\n\n\nclass C(BaseClient):\n"
              "    def __init__(self):\n        self.mine = 1\n\n    def f(self):\n        return self.timeout, self.mine\n\n\n"
              "x = demisto.getIntegrationContext()\ny = update_integration_context({})\n")
    assert runtime_names_used(source, runtime_exports()) == {
        "BaseClient", "BaseClient.timeout", "demisto.getIntegrationContext", "update_integration_context"}
    assert {"BaseClient.timeout", "update_integration_context"} - exercised() == {"BaseClient.timeout"}


# --- the engine and the tools ---------------------------------------------------------------------------------

SURFACE = json.loads((GOLDEN / "demistomock-surface.json").read_text())
RUNTIME_MODULES = {"CommonServerPython": "", "demistomock": "demisto."}


def tool_sources() -> list[Path]:
    """The engine, the emulator, the benchmarks and the other tools (their tests and test data left out)."""
    return sorted(path for path in (ROOT / "tools").rglob("*.py")
                  if not path.name.endswith("_test.py") and "test_data" not in path.parts)


def runtime_names_touched(source: str) -> set[str]:
    """Names of CommonServerPython (`name`) and demistomock (`demisto.name`) a tool imports or reaches as attributes
    of the imported module, including imports written inside strings (code it writes for a script to run)."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}
    touched = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases |= {alias.asname or alias.name: RUNTIME_MODULES[alias.name] for alias in node.names
                        if alias.name in RUNTIME_MODULES}
        elif isinstance(node, ast.ImportFrom) and node.module in RUNTIME_MODULES:
            touched |= {RUNTIME_MODULES[node.module] + alias.name for alias in node.names if alias.name != "*"}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for module, names in re.findall(r"from (CommonServerPython|demistomock) import ([\w, ]+)", node.value):
                touched |= {RUNTIME_MODULES[module] + name.strip() for name in names.split(",") if name.strip() != "*"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            touched.add(aliases[node.value.id] + node.attr)
    return touched


def test_the_engine_and_the_tools_touch_only_recorded_runtime_names():
    recorded = exercised() | set(ACCESSORS) | {f"demisto.{name}" for name in SURFACE["functions"]} \
        | {f"demisto.{name}" for name in SURFACE["module_names"]}
    outside = {}
    for path in tool_sources():
        for name in sorted(runtime_names_touched(path.read_text()) - recorded):
            outside.setdefault(name, []).append(str(path.relative_to(ROOT)))
    assert not outside, f"the engine or a tool touches runtime names no recorded case covers: {json.dumps(outside, indent=1)}"


def test_the_tools_scan_sees_imports_attributes_and_code_in_strings():
    source = ("import CommonServerPython as csp\nimport demistomock\nfrom CommonServerPython import BaseClient\n"
              "csp.XSIAM_SESSION\ndemistomock.use(1)\nPRELUDE = 'from CommonServerPython import __line__\\n'\n")
    assert runtime_names_touched(source) == {"BaseClient", "XSIAM_SESSION", "demisto.use", "__line__"}
