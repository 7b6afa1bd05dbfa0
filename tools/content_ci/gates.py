"""The gates of demisto/content's pre-commit that run offline, on this repository: `python -m tools.content_ci.gates`.

| gate | as the content template runs it |
|---|---|
| check-json, check-yaml, check-ast | every tracked JSON, YAML and Python file parses |
| check-merge-conflict | no conflict markers left in a tracked text file |
| debug-statements | no breakpoint() and no debugger import in Python code |
| name-tests-test | every test module under Packs/ is named `*_test.py` |
| xsoar-lint | `demisto-sdk xsoar-lint` on the pack's code (tests and test data excluded) |
| pylint -E | errors only, with the template's arguments, the runtime and the API modules importable |
| mypy | the template's arguments, test files, test data and demistomock excluded |
| secrets | `demisto-sdk secrets --ignore-entropy` on the pack's files, with each pack's `.secrets-ignore` |

Each gate prints its findings; the command exits non-zero if any gate has one. Gates that need the network or
docker (pytest-in-docker's images, format -ud, validate --graph, coverage-analyze's comparison) are not here; the
README lists them. The per-folder tests are `tools.content_ci.folders`; `demisto-sdk validate` is `make validate`.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "Tests" / "runtime"
RUNTIME_FILES = ("demistomock.py", "CommonServerPython.py", "CommonServerUserPython.py", "conftest.py")
CONFLICT_MARKERS = re.compile(r"^(<{7} |={7}$|>{7} )", re.MULTILINE)
DEBUGGERS = {"pdb", "ipdb", "pudb", "pydevd", "pydevd_pycharm", "rpdb", "wdb", "q", "bpdb", "debugpy", "pdbr"}
FINDING = re.compile(r"^(?P<path>[^\s:]+\.py):(?P<line>\d+):(?P<column>\d+): (?P<code>[A-Z]\d{4}|error)\b.*$", re.MULTILINE)
MYPY_ARGS = ("--ignore-missing-imports", "--check-untyped-defs", "--show-error-codes", "--follow-imports=silent",
             "--allow-redefinition")
PYLINT_ARGS = ("--ignore=demistomock.py,CommonServerPython.py,CommonServerUserPython.py,conftest.py,.venv", "-E",
               "--disable=bad-option-value,unsubscriptable-object", "-d", "duplicate-string-formatting-argument",
               "--msg-template={path}:{line}:{column}: {msg_id} {obj}: {msg}",
               "--generated-members=requests.packages.urllib3,requests.codes.ok")


@dataclass
class Gate:
    name: str
    run: Callable[[], list[str]]


def tracked(*patterns: str) -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z", "--", *patterns], cwd=ROOT, capture_output=True, check=True)
    return [ROOT / name for name in listed.stdout.decode().split("\0") if name and (ROOT / name).is_file()]


def pack_code() -> list[Path]:
    """The pack's Python that the content CI lints: tests, test data and the runtime files left out."""
    return [path for path in tracked("Packs/*.py") if not path.name.endswith("_test.py")
            and "test_data" not in path.parts and path.name not in RUNTIME_FILES]


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


# --- the file checks of pre-commit-hooks ------------------------------------------------------------------------


def check_json() -> list[str]:
    findings = []
    for path in tracked("*.json"):
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except ValueError as error:
            findings.append(f"{relative(path)}: {error}")
    return findings


def check_yaml() -> list[str]:
    findings = []
    for path in tracked("*.yml", "*.yaml"):
        try:
            list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        except yaml.YAMLError as error:
            findings.append(f"{relative(path)}: {error}")
    return findings


def parsed_python() -> list[tuple[Path, ast.Module | SyntaxError]]:
    parsed: list[tuple[Path, ast.Module | SyntaxError]] = []
    for path in tracked("*.py"):
        try:
            parsed.append((path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))))
        except SyntaxError as error:
            parsed.append((path, error))
    return parsed


def check_ast() -> list[str]:
    return [f"{relative(path)}: {tree}" for path, tree in parsed_python() if isinstance(tree, SyntaxError)]


def check_merge_conflict() -> list[str]:
    findings = []
    for path in tracked():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary files (images) hold no markers
        findings += [f"{relative(path)}:{text.count(chr(10), 0, m.start()) + 1}: conflict marker"
                     for m in CONFLICT_MARKERS.finditer(text)]
    return findings


def debug_statements() -> list[str]:
    findings = []
    for path, tree in parsed_python():
        if isinstance(tree, SyntaxError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "breakpoint":
                findings.append(f"{relative(path)}:{node.lineno}: breakpoint()")
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            findings += [f"{relative(path)}:{node.lineno}: imports the debugger {name}"
                         for name in names if name.split(".")[0] in DEBUGGERS]
    return findings


def name_tests_test() -> list[str]:
    """A module under Packs/ that holds tests (a top-level `test_*` function) must be named `*_test.py`."""
    findings = []
    for path in tracked("Packs/*.py"):
        if path.name.endswith("_test.py") or "test_data" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if path.name.startswith("test_") or any(isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
                                                and node.name != "test_module" for node in tree.body):
            findings.append(f"{relative(path)}: holds tests but is not named *_test.py")
    return findings


# --- the tools the template runs ----------------------------------------------------------------------------------


def tool_environment(runtime_dir: Path) -> dict[str, str]:
    """The runtime and every API module importable, as they are beside the code in the content CI's images."""
    api_modules = sorted(str(path.parent) for path in (ROOT / "Packs").glob("ApiModules/Scripts/*/*ApiModule.py"))
    path = os.pathsep.join([str(runtime_dir), *api_modules])
    return {**os.environ, "PYTHONPATH": path, "MYPYPATH": path, "DEMISTO_SDK_IGNORE_CONTENT_WARNING": "1",
            "DEMISTO_SDK_SKIP_VERSION_CHECK": "1", "DEMISTO_SDK_LOG_NO_COLORS": "1"}


def tool(*command: str, runtime_dir: Path = RUNTIME) -> str:
    run = subprocess.run(command, cwd=ROOT, env=tool_environment(runtime_dir), capture_output=True, text=True)
    return run.stdout + run.stderr


def findings_in(output: str) -> list[str]:
    return sorted({match.group(0).replace(str(ROOT) + os.sep, "") for match in FINDING.finditer(output)})


def xsoar_lint(runtime_dir: Path = RUNTIME) -> list[str]:
    binary = Path(sys.executable).with_name("demisto-sdk")
    return findings_in(tool(str(binary), "xsoar-lint", *map(relative, pack_code()), runtime_dir=runtime_dir))


def pylint_errors(runtime_dir: Path = RUNTIME) -> list[str]:
    return findings_in(tool(sys.executable, "-m", "pylint", *PYLINT_ARGS, *map(relative, pack_code()),
                            runtime_dir=runtime_dir))


def mypy(runtime_dir: Path = RUNTIME) -> list[str]:
    output = tool(sys.executable, "-m", "mypy", *MYPY_ARGS, "--python-version", "3.11", "--no-incremental",
                  *map(relative, pack_code()), runtime_dir=runtime_dir)
    return sorted({line for line in output.splitlines() if ": error:" in line})


def secrets(runtime_dir: Path = RUNTIME) -> list[str]:
    binary = Path(sys.executable).with_name("demisto-sdk")
    output = tool(str(binary), "secrets", "--ignore-entropy", *map(relative, tracked("Packs")), runtime_dir=runtime_dir)
    findings, current = [], ""
    for line in output.splitlines():
        if line.startswith("In File:"):
            current = line.removeprefix("In File:").strip().replace(str(ROOT) + os.sep, "")
        elif line.startswith(("Secret found:", "Secrets found:")):
            findings.append(f"{current}: {line.split(':', 1)[1].strip()}")
    return findings


def gates(runtime_dir: Path = RUNTIME) -> list[Gate]:
    return [
        Gate("check-json", check_json),
        Gate("check-yaml", check_yaml),
        Gate("check-ast", check_ast),
        Gate("check-merge-conflict", check_merge_conflict),
        Gate("debug-statements", debug_statements),
        Gate("name-tests-test", name_tests_test),
        Gate("xsoar-lint", lambda: xsoar_lint(runtime_dir)),
        Gate("pylint -E", lambda: pylint_errors(runtime_dir)),
        Gate("mypy", lambda: mypy(runtime_dir)),
        Gate("secrets", lambda: secrets(runtime_dir)),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runtime-dir", type=Path, default=RUNTIME,
                        help="where CommonServerPython.py and demistomock.py come from (pylint, mypy)")
    parser.add_argument("--gate", action="append", help="only this gate (repeatable)")
    options = parser.parse_args(argv)
    chosen = [gate for gate in gates(options.runtime_dir.resolve()) if not options.gate or gate.name in options.gate]
    results = [(gate.name, gate.run()) for gate in chosen]
    for name, findings in results:
        if findings:
            print(f"--- {name}: {len(findings)} finding(s)\n" + "\n".join(findings) + "\n")
    print("| gate | findings |\n|---|---:|\n" + "\n".join(f"| {name} | {len(findings)} |" for name, findings in results))
    return 1 if any(findings for _, findings in results) else 0


if __name__ == "__main__":
    sys.exit(main())
