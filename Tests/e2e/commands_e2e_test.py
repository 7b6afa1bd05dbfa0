"""Every command once, end to end: the lines of `command_examples` run through the local engine against the
emulator, in order, and change the Vectra tenant as they say."""

import tempfile
from pathlib import Path

import pytest
import yaml

from tools.integration_readme import INTEGRATION, example_lines, example_tenant, parse_example, run_examples
from tools.xsoar_local.engine import Engine

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def ran():
    with tempfile.TemporaryDirectory() as tmp, example_tenant() as vectra:
        engine = Engine(state_dir=Path(tmp), isolation="module")
        engine.set_instance("vectra", INTEGRATION, vectra.instance_params())
        yield vectra, {example.command: example for example in run_examples(engine)}


def test_every_declared_command_has_an_example():
    declared = {c["name"] for c in yaml.safe_load((INTEGRATION / "VectraRUX.yml").read_text())["script"]["commands"]}
    mirroring = {"get-remote-data", "get-modified-remote-data", "update-remote-system"}  # run by the mirroring job
    assert {parse_example(line)[0] for line in example_lines()} == declared - mirroring


def test_every_example_succeeds(ran):
    _, examples = ran
    failed = {command: example.result.error for command, example in examples.items() if not example.result.ok}
    assert failed == {}
    assert all(example.result.entries for example in examples.values())


def test_the_tenant_changed_as_the_commands_said(ran):
    vectra, examples = ran
    world = vectra.world
    assert world.detections[1002].tags == ["xsoar-escalate"]
    assert world.detections[1002].notes == []  # added, updated, then removed
    assert world.detections[1002].investigation_status == "acknowledged"
    assert world.detections[1002].external_reference_id == "INC-2026-00421"
    assert world.detections[1004].state == "active"  # closed, then reopened
    assert world.entities[("host", 101)].external_reference_id == "CASE-7"
    assert "crown-jewel" not in world.entities[("host", 101)].tags
    assert all(world.detections[d].state == "fixed" for d in world.entities[("host", 100)].detection_ids)
    assignment = world.assignments[2]
    assert assignment["assigned_to"]["id"] == 25 and assignment["outcome"]["id"] == 3
    assert 103 not in world.groups[1]["members"]
    pcap = examples["vectra-detection-pcap-download"].result.entries[0]
    assert Path(pcap["FilePath"]).read_bytes()[:4] == b"\xd4\xc3\xb2\xa1"
