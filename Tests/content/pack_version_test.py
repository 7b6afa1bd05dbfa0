"""The pack's version as Vectra sees it: every request carries the User-Agent `Vectra-RUX-XSOAR-<version>`, built from
PACK_VERSION, a constant of the pack's API module (the uploaded integration has no pack_metadata.json beside it to
read at run time). A pack test may not read outside its folder, so the constant is held to the pack's
pack_metadata.json here, as a repository test.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "Packs" / "VectraRUX"
INTEGRATION = PACK / "Integrations" / "VectraRUX"
API_MODULE = ROOT / "Packs" / "ApiModules" / "Scripts" / "VectraRUXApiModule" / "VectraRUXApiModule.py"
sys.path.insert(0, str(INTEGRATION))

import VectraRUX as vr  # noqa: E402


def test_pack_version_is_the_pack_metadata_current_version():
    assert json.loads((PACK / "pack_metadata.json").read_text())["currentVersion"] == vr.PACK_VERSION


def test_the_user_agent_carries_the_pack_version():
    assert f"Vectra-RUX-XSOAR-{vr.PACK_VERSION}" == vr.USER_AGENT


def test_the_version_is_not_read_from_the_pack_at_run_time():
    """On XSOAR the integration runs as one script: no pack_metadata.json, no get_pack_version to lean on."""
    for code in (INTEGRATION / "VectraRUX.py", API_MODULE):
        assert "get_pack_version" not in code.read_text()
