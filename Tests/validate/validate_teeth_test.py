"""`make validate` must be able to fail: a deliberately broken copy of the pack, in a temporary content repository
set up like ours, is rejected by `demisto-sdk validate` with the offline rule set, while an intact copy passes."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SDK = Path(sys.executable).parent / "demisto-sdk"

pytestmark = pytest.mark.slow


def make_content_repo(target: Path) -> Path:
    for name in ("Config", "Packs"):
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "validation_config.toml", target)
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=target, check=True)
    subprocess.run([*git, "add", "-A"], cwd=target, check=True)
    subprocess.run([*git, "commit", "-qm", "copy"], cwd=target, check=True)
    return target / "Packs" / "VectraRUX"


def validate(repo: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, DEMISTO_SDK_IGNORE_CONTENT_WARNING="1", DEMISTO_SDK_SKIP_VERSION_CHECK="1",
               DEMISTO_SDK_LOG_NO_COLORS="1")
    return subprocess.run([str(SDK), "validate", "-a", "--config-path", "validation_config.toml"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=600)


def test_intact_copy_passes(tmp_path):
    make_content_repo(tmp_path)
    result = validate(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def break_category(pack: Path) -> None:
    metadata = json.loads((pack / "pack_metadata.json").read_text())
    metadata["categories"] = ["Not An Approved Category"]
    (pack / "pack_metadata.json").write_text(json.dumps(metadata, indent=4))


def break_author_image(pack: Path) -> None:
    (pack / "Author_image.png").write_bytes(b"")


def break_metadata_schema(pack: Path) -> None:
    metadata = json.loads((pack / "pack_metadata.json").read_text())
    metadata["unexpectedField"] = True
    (pack / "pack_metadata.json").write_text(json.dumps(metadata, indent=4))


@pytest.mark.parametrize(
    ("breakage", "code"),
    [(break_category, "PA103"), (break_author_image, "IM108"), (break_metadata_schema, "ST110")],
)
def test_broken_copy_fails(tmp_path, breakage, code):
    pack = make_content_repo(tmp_path)
    breakage(pack)
    result = validate(tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert code in output, output
