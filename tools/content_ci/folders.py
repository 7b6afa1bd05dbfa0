"""Each code folder's tests, alone, the way demisto/content's CI runs them: `python -m tools.content_ci.folders`.

For every integration, script and API module under `Packs/` that has tests, a scratch copy of the folder is made
outside the repository (so no conftest, setting or module of ours is in reach) with, beside the code:

* the platform's runtime — CommonServerPython.py, CommonServerUserPython.py, demistomock.py — taken from
  `Tests/runtime/` or, with `--runtime-dir`, from another copy (the platform's own files, say);
* the API modules the code star-imports (`from VectraRUXApiModule import *`), as the content CI does;
* the content CI's per-folder conftest (`folder_conftest.py`: no output, no warning logs, no network).

The tests run there under `coverage` with nothing on PYTHONPATH; the figure printed per folder is the line
coverage of that folder's own code by that folder's own tests. Exits non-zero when a folder has a failing test, no
test, or less than the required coverage.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKS = ROOT / "Packs"
RUNTIME = ROOT / "Tests" / "runtime"
RUNTIME_FILES = ("CommonServerPython.py", "CommonServerUserPython.py", "demistomock.py")
OPTIONAL_RUNTIME_FILES = ("DemistoClassApiModule.py",)  # the platform's CommonServerPython may import it
CONFTEST = Path(__file__).with_name("folder_conftest.py")
REQUIRED_COVERAGE = 90.0
API_MODULE_IMPORT = re.compile(r"^from (\w+ApiModule) import \*", re.MULTILINE)
# Only what keeps the scratch folder clean and the report readable; the tests' rules are in the conftest.
PYTEST_INI = "[pytest]\naddopts = -p no:cacheprovider\nfilterwarnings =\n    ignore::DeprecationWarning:pytest_freezegun\n"
PYTEST_SUMMARY = re.compile(r"(\d+) (passed|failed|errors?|skipped)")


@dataclass
class FolderResult:
    folder: Path
    passed: int
    failed: int
    coverage: float
    output: str

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def ok(self) -> bool:
        return self.passed > 0 and self.failed == 0 and self.coverage >= REQUIRED_COVERAGE


def code_folders(packs: Path = PACKS) -> list[Path]:
    """Integration, script and API module folders: those holding `<Name>.py`."""
    candidates = sorted(packs.glob("*/Integrations/*")) + sorted(packs.glob("*/Scripts/*"))
    return [folder for folder in candidates if (folder / f"{folder.name}.py").is_file()]


def imported_api_modules(code: str) -> list[str]:
    return API_MODULE_IMPORT.findall(code)


def api_module_file(name: str, packs: Path = PACKS) -> Path:
    path = packs / "ApiModules" / "Scripts" / name / f"{name}.py"
    if not path.is_file():
        raise FileNotFoundError(f"the code imports {name}, which is not at {path}")
    return path


def stage(folder: Path, scratch: Path, runtime_dir: Path) -> Path:
    """The folder as the content CI lays it out: its own files, the runtime and its API modules beside them."""
    target = scratch / folder.name
    shutil.copytree(folder, target, ignore=shutil.ignore_patterns("__pycache__", *RUNTIME_FILES))
    for name in RUNTIME_FILES:
        shutil.copy(runtime_dir / name, target / name)
    for name in OPTIONAL_RUNTIME_FILES:
        if (runtime_dir / name).is_file():
            shutil.copy(runtime_dir / name, target / name)
    for module in imported_api_modules((folder / f"{folder.name}.py").read_text()):
        shutil.copy(api_module_file(module), target / f"{module}.py")
    shutil.copy(CONFTEST, target / "conftest.py")
    (target / "pytest.ini").write_text(PYTEST_INI)
    return target


def run_folder(folder: Path, runtime_dir: Path = RUNTIME, keep: bool = False) -> FolderResult:
    scratch = Path(tempfile.mkdtemp(prefix="content-ci-"))
    try:
        target = stage(folder, scratch, runtime_dir)
        env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONSTARTUP")}
        env["COVERAGE_FILE"] = str(scratch / ".coverage")
        tests = sorted(path.name for path in target.glob("*_test.py"))
        if not tests:
            return FolderResult(folder, 0, 0, 0.0, "no *_test.py in the folder")
        run = subprocess.run([sys.executable, "-m", "coverage", "run", f"--include={target / folder.name}.py", "-m",
                              "pytest", "-q", "--no-header", "-rfE", *tests],
                             cwd=target, env=env, capture_output=True, text=True)
        report = subprocess.run([sys.executable, "-m", "coverage", "json", "-q", "-o", "-"], cwd=target, env=env,
                                capture_output=True, text=True)
        coverage = json.loads(report.stdout)["totals"]["percent_covered"] if report.returncode == 0 else 0.0
        summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
        counts = {kind.rstrip("s"): int(number) for number, kind in PYTEST_SUMMARY.findall(summary)}
        failed = counts.get("failed", 0) + counts.get("error", 0)
        if run.returncode != 0 and not failed:
            failed = 1  # pytest stopped before running the tests (an import or collection error)
        return FolderResult(folder, counts.get("passed", 0), failed, coverage, run.stdout + run.stderr)
    finally:
        if keep:
            print(f"kept {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def table(results: list[FolderResult]) -> str:
    lines = ["| folder | tests passed | failed | line coverage of its code |", "|---|---:|---:|---:|"]
    for result in results:
        mark = "" if result.ok else "  <- FAILS"
        lines.append(f"| {result.folder.relative_to(PACKS)} | {result.passed} | {result.failed} | "
                     f"{result.coverage:.1f} %{mark} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runtime-dir", type=Path, default=RUNTIME,
                        help="where CommonServerPython.py, CommonServerUserPython.py and demistomock.py come from")
    parser.add_argument("--folder", action="append", help="only this folder (its name; repeatable)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copies (their paths go to stderr)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    options = parser.parse_args(argv)
    runtime_dir = options.runtime_dir.resolve()
    missing = [name for name in RUNTIME_FILES if not (runtime_dir / name).is_file()]
    if missing:
        parser.error(f"--runtime-dir {runtime_dir} lacks {', '.join(missing)}")
    folders = [f for f in code_folders() if not options.folder or f.name in options.folder]
    if not folders:
        parser.error(f"no code folder named {', '.join(options.folder or [])}")
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        results = list(pool.map(lambda folder: run_folder(folder, runtime_dir, options.keep), folders))
    for result in results:
        if not result.ok:
            print(f"--- {result.folder.relative_to(ROOT)}\n{result.output.strip()}\n")
    print(f"Pack tests in the content repository's layout (runtime: {runtime_dir}; coverage required: "
          f"{REQUIRED_COVERAGE:.0f} %)\n{table(results)}")
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
