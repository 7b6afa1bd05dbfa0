"""Every command snippet of the READMEs runs as written.

The READMEs tag what a reader is meant to run `sh` (or `python`) and what only shows output or usage `text`. Each
runnable block runs as a new user would, from the repository's root — here a scratch folder linking to the
repository's files, so that `.state/` and the emulator's pid file land there — with the project's virtual
environment first on PATH. `make test` is left out of the run: it is what runs this test.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
READMES = [ROOT / "README.md", ROOT / "tools" / "vectra_emulator" / "README.md"]
LINKED = ["Packs", "Tests", "tools", "Config", ".venv", "Makefile", "pyproject.toml", "requirements.lock", "conftest.py"]
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
NOT_RUN_HERE = {"make test"}  # the command running this very test

pytestmark = pytest.mark.e2e


def blocks(readme: Path) -> list[tuple[str, str]]:
    return [(language, body) for language, body in BLOCK.findall(readme.read_text())]


def runnable() -> list[tuple[str, str, str]]:
    found = []
    for readme in READMES:
        for number, (language, body) in enumerate(blocks(readme)):
            if language in ("sh", "python"):
                found.append((f"{readme.relative_to(ROOT)}#{number}", language, body))
    return found


def test_every_block_says_whether_it_runs():
    untagged = [f"{readme.relative_to(ROOT)}: {body[:40]!r}" for readme in READMES
                for language, body in blocks(readme) if language not in ("sh", "python", "text")]
    assert untagged == []


@pytest.mark.parametrize("name,language,body", runnable(), ids=[name for name, _, _ in runnable()])
def test_the_snippet_runs_as_written(name, language, body, tmp_path):
    for item in LINKED:
        (tmp_path / item).symlink_to(ROOT / item)
    env = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    if language == "python":
        command = [sys.executable, "-c", body]
    else:
        script = "\n".join(line for line in body.splitlines() if line.split("#")[0].strip() not in NOT_RUN_HERE)
        command = ["bash", "-euo", "pipefail", "-c", script]
    try:
        done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    finally:
        pid_file = tmp_path / ".state" / "emulator.pid"
        if pid_file.exists():  # a failed snippet must not leave its emulator running
            subprocess.run(["kill", pid_file.read_text().strip()], capture_output=True)
    assert done.returncode == 0, f"{name} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stdout + done.stderr
