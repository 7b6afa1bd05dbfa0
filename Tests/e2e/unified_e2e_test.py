"""What the platform runs: each integration as the unified YAML `make pack` builds (demisto-sdk prepare-content, the
API module inlined between register_module_line calls), loaded by the engine behind the platform's runtime prelude,
one command each against the emulator."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from Tests.e2e.helpers import ROOT
from tools.xsoar_local.engine import Engine

pytestmark = pytest.mark.e2e
SDK = Path(sys.executable).parent / "demisto-sdk"
INTEGRATIONS = ROOT / "Packs" / "VectraRUX" / "Integrations"


def unified(name: str, out: Path) -> Path:
    """The unified YAML of an integration, built as `make pack` builds it."""
    env = dict(os.environ, DEMISTO_SDK_IGNORE_CONTENT_WARNING="1", DEMISTO_SDK_SKIP_VERSION_CHECK="1",
               DEMISTO_SDK_LOG_NO_COLORS="1")
    target = out / f"integration-{name}.yml"
    subprocess.run([str(SDK), "prepare-content", "-i", str(INTEGRATIONS / name), "-o", str(target)], cwd=ROOT, env=env,
                   check=True, capture_output=True, text=True, timeout=300)
    return target


@pytest.mark.parametrize(("name", "command", "args", "expected"), [
    ("VectraRUX", "vectra-detection-list", {"page_size": "2"}, "### Detections: 2 of"),
    ("VectraRUXEventCollector", "vectra-rux-get-events", {"stream": "audits", "limit": "2"}, "Audits (audits): 2 event(s)"),
])
def test_one_command_of_each_unified_integration_runs(name, command, args, expected, vectra_emulator, tmp_path):
    path = unified(name, tmp_path)
    script = yaml.safe_load(path.read_text())["script"]["script"]
    assert "register_module_line('VectraRUXApiModule', 'start'" in script
    assert "\nfrom VectraRUXApiModule import" not in script  # inlined, not imported
    engine = Engine(state_dir=tmp_path / "state", isolation="process")
    engine.set_instance("unified", path, vectra_emulator.instance_params())
    result = engine.run("unified", command, args)
    assert result.ok, result.error
    assert expected in result.entries[0]["HumanReadable"]
