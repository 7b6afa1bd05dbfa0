"""Our demistomock has the public surface of the platform's, and nothing of ours leans on more than that surface.

`golden/demistomock-surface.json` is a byte-for-byte copy of `shared/reference/demistomock-surface.json`, recorded
from demisto/content's `Tests/demistomock/demistomock.py`: each function's signature and what it answers when
called with no arguments, what its setters do to its getters, a few calls with arguments, and the module names.
"""

import ast
import contextlib
import importlib.util
import inspect
import io
import json
import uuid
from pathlib import Path

import pytest

from tools.xsoar_local.invocation import SERVED, SERVED_ATTRIBUTES

RUNTIME = Path(__file__).parent
ROOT = RUNTIME.parents[1]
SURFACE = json.loads((RUNTIME / "golden" / "demistomock-surface.json").read_text())
FUNCTIONS = SURFACE["functions"]
LOCATION_DEPENDENT = {"ARGS_COMMAND_PATH", "print_function"}  # a path beside the file; a __future__ feature object
RANDOM_ANSWERS = {"uniqueFile"}  # a new UUID each call: the recording holds one of them


def fresh_mock():
    """A new load of Tests/runtime/demistomock.py, so no earlier call's state (the integration context) leaks in."""
    spec = importlib.util.spec_from_file_location("demistomock_under_test", RUNTIME / "demistomock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def comparable(value):
    return json.loads(json.dumps(value))


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_recorded_function_has_the_same_signature(name):
    function = getattr(fresh_mock(), name, None)
    assert callable(function), f"demistomock lacks {name}"
    assert f"{name}{inspect.signature(function)}" == FUNCTIONS[name]["signature"]


@pytest.mark.parametrize("name", sorted(name for name, f in FUNCTIONS.items() if "called_with_no_arguments" in f))
def test_every_function_answers_as_recorded_when_called_without_arguments(name):
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        returned = getattr(fresh_mock(), name)()
    recorded = FUNCTIONS[name]["called_with_no_arguments"]
    if name in RANDOM_ANSWERS:
        assert str(uuid.UUID(returned)) == returned and returned != getattr(fresh_mock(), name)()
        return
    assert comparable(returned) == recorded["returns"]
    assert printed.getvalue() == recorded.get("stdout", "")


@pytest.mark.parametrize("setter", sorted(SURFACE["setters"]))
def test_setters_change_what_getters_answer_as_recorded(setter):
    mock = fresh_mock()
    recorded = SURFACE["setters"][setter]
    given = recorded["called_with"]
    args, kwargs = (given if isinstance(given, list) else [given, {}])
    assert getattr(mock, setter)(args, **kwargs) == recorded["result"]["returns"]
    for key, expected in recorded.items():
        if key.startswith("then_"):
            assert comparable(getattr(mock, key.removeprefix("then_"))()) == expected["returns"], key


def parsed_call(text):
    call = ast.parse(text, mode="eval").body
    return call.func.id, [ast.literal_eval(arg) for arg in call.args]


@pytest.mark.parametrize("call", sorted(SURFACE["other_calls"]))
def test_calls_with_arguments_answer_and_print_as_recorded(call):
    name, args = parsed_call(call)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        returned = getattr(fresh_mock(), name)(*args)
    recorded = SURFACE["other_calls"][call]
    assert comparable(returned) == recorded["returns"]
    assert printed.getvalue() == recorded.get("stdout", "")


@pytest.mark.parametrize("name", sorted(SURFACE["module_names"]))
def test_the_module_names_exist_with_the_recorded_values(name):
    mock = fresh_mock()
    assert hasattr(mock, name), f"demistomock lacks the module name {name}"
    if name not in LOCATION_DEPENDENT:
        assert comparable(getattr(mock, name)) == SURFACE["module_names"][name]


def test_the_engine_serves_runs_only_through_names_of_the_surface():
    assert set(SERVED) - set(FUNCTIONS) == set()
    assert set(SERVED_ATTRIBUTES) - set(SURFACE["module_names"]) == set()


# --- pack tests: only the surface -------------------------------------------------------------------------------


def demistomock_names_used(source: str) -> set[str]:
    """`demisto.X` / `demistomock.X`, `patch.object(demisto, "X")` and `patch("demistomock.X")` in a test file."""
    tree = ast.parse(source)
    aliases = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names if alias.name == "demistomock"}
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            used.add(node.attr)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            first, second = node.args[0], node.args[1] if len(node.args) > 1 else None
            if node.func.attr == "object" and isinstance(first, ast.Name) and first.id in aliases \
                    and isinstance(second, ast.Constant):
                used.add(str(second.value))
            elif node.func.attr in ("patch", "setattr") and isinstance(first, ast.Constant) \
                    and str(first.value).startswith("demistomock."):
                used.add(str(first.value).split(".", 1)[1])
        elif isinstance(node, ast.ImportFrom) and node.module == "demistomock":
            used |= {alias.name for alias in node.names}
    return used


def pack_test_files():
    return sorted((ROOT / "Packs").rglob("*_test.py"))


def test_pack_tests_use_only_the_platform_mocks_surface():
    surface = set(FUNCTIONS) | set(SURFACE["module_names"])
    outside = {str(path.relative_to(ROOT)): sorted(demistomock_names_used(path.read_text()) - surface)
               for path in pack_test_files()}
    assert not {path: names for path, names in outside.items() if names}, (
        "pack tests use demistomock names the platform's demistomock does not have; patch the recorded functions "
        f"instead: {json.dumps(outside, indent=1)}")


def test_the_surface_scan_sees_every_way_a_test_reaches_the_mock():
    source = ("import demistomock as demisto\nfrom demistomock import Invocation\n"
              "demisto.params()\nmocker.patch.object(demisto, 'results')\nmocker.patch('demistomock.use')\n")
    assert demistomock_names_used(source) == {"params", "results", "use", "Invocation"}


def test_golden_copy_is_identical_to_the_reference():
    reference = ROOT.parent / "shared" / "reference" / "demistomock-surface.json"
    if reference.exists():  # the project stands alone: the reference is only compared when it is beside the checkout
        assert (RUNTIME / "golden" / "demistomock-surface.json").read_bytes() == reference.read_bytes()
