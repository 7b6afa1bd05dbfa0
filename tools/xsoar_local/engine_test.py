import subprocess
import sys
from pathlib import Path

import pytest

from tools.xsoar_local.engine import Engine

ECHO = Path(__file__).parent / "test_data" / "EchoIntegration"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["module", "process"])
def engine(request, tmp_path):
    engine = Engine(state_dir=tmp_path / "state", isolation=request.param)
    engine.set_instance("echo", ECHO, {})
    return engine


def test_test_module_prints_ok_into_the_playground(engine):
    result = engine.run("echo", "test-module")
    assert result.ok
    assert [entry["Contents"] for entry in result.entries] == ["ok"]
    assert [entry["Contents"] for entry in engine.store.entries("playground")] == ["ok"]


def test_params_start_from_yaml_defaults_and_instance_overrides(engine):
    assert engine.run("echo", "echo-args").entries[0]["Contents"]["greeting"] == "hello"
    engine.set_instance("echo", ECHO, {"greeting": "hi"})
    result = engine.run("echo", "echo-args", {"a": "1"})
    assert result.entries[0]["Contents"] == {"id": 1, "a": "1", "greeting": "hi"}
    assert result.entries[0]["EntryContext"] == {"Echo(val.id && val.id == obj.id)": {"id": 1, "a": "1", "greeting": "hi"}}


def test_every_command_gets_a_fresh_module(engine):
    assert engine.run("echo", "echo-loads").entries[0]["Contents"] == 1
    assert engine.run("echo", "echo-loads").entries[0]["Contents"] == 1


def test_fetch_creates_incidents_and_saves_last_run(engine):
    first = engine.run("echo", "fetch-incidents")
    second = engine.run("echo", "fetch-incidents")
    assert first.ok and second.ok
    assert [i["name"] for i in engine.store.incidents()] == ["incident 1", "incident 2", "incident 3", "incident 4"]
    assert engine.store.last_run("echo") == {"counter": 4}
    assert {i["type"] for i in engine.store.incidents()} == {"Echo Incident"}


def test_failed_fetch_creates_nothing_and_keeps_last_run(engine):
    engine.run("echo", "fetch-incidents")
    engine.set_instance("echo", ECHO, {"fail_fetch": True})
    result = engine.run("echo", "fetch-incidents")
    assert not result.ok and "upstream is down" in result.error
    assert len(engine.store.incidents()) == 2
    assert engine.store.last_run("echo") == {"counter": 2}


def test_failure_after_incidents_keeps_incidents_but_not_last_run(engine):
    engine.fail_before_last_run = True
    result = engine.run("echo", "fetch-incidents")
    assert not result.ok
    assert len(engine.store.incidents()) == 2
    assert engine.store.last_run("echo") == {}


def test_integration_context_persists_between_commands(engine):
    assert engine.run("echo", "context-bump").entries[0]["Contents"] == "bumps=1"
    assert engine.run("echo", "context-bump").entries[0]["Contents"] == "bumps=2"


def test_versioned_context_rejects_a_stale_write_and_counts_it(tmp_path):
    engine = Engine(state_dir=tmp_path)
    store = engine.store.integration_context("x")
    context, version = store.read()
    store.write({"a": 1}, version)
    with pytest.raises(ValueError, match="^Version mismatch: the context was changed by another run$"):
        store.write({"a": 2}, version)
    assert store.read() == ({"a": 1}, version + 1)
    assert engine.store.platform_value("x", "context_conflicts") == "1"


def test_the_context_is_stored_exactly_as_written(tmp_path):
    """No normalising: strings stay strings, objects stay objects, as the recorded platform keeps them."""
    store = Engine(state_dir=tmp_path).store.integration_context("x")
    written = {"auth": '{"access_token": "t"}', "fetch": {"cursor": 5}, "n": 1.5, "list": [1, "2"]}
    store.write(written)
    assert store.read() == (written, 1)
    store.write({"old": "server"}, versioned=False)  # servers before 6.0: no version
    assert store.read() == ({"old": "server"}, 1)


def test_incoming_fields_never_overwrite_what_an_analyst_changed_and_has_not_pushed(tmp_path):
    """The platform keeps a field the analyst changed (still dirty) when incoming mirroring brings the remote value;
    judged when the mirrored values are written, so an edit made while get-remote-data ran is kept too."""
    store = Engine(state_dir=tmp_path).store
    incident = store.create_incident("x", {"dbotMirrorDirection": "Both", "CustomFields": {"status": "escalated"}})
    store.add_outgoing(incident["id"], {"status": "escalated"})  # the analyst's edit, not pushed yet
    store.update_incident(incident["id"], {"severity": 3, "CustomFields": {"status": "open", "ref": "R1"}}, keep_dirty=True)
    updated = store.incident(incident["id"])
    assert updated["severity"] == 3 and updated["CustomFields"] == {"status": "escalated", "ref": "R1"}
    store.take_outgoing(incident["id"])  # pushed: no longer dirty
    store.update_incident(incident["id"], {"CustomFields": {"status": "closed"}}, keep_dirty=True)
    assert store.incident(incident["id"])["CustomFields"]["status"] == "closed"


def test_files_are_kept_and_listed(engine):
    entry = engine.run("echo", "file").entries[0]
    assert entry["File"] == "capture.pcap"
    assert Path(entry["FilePath"]).read_bytes() == b"pcap-bytes"


def test_errors_are_entries_and_fail_the_run(engine):
    result = engine.run("echo", "no-such-command")
    assert not result.ok
    assert result.entries[0]["Type"] == 4
    assert "unknown command no-such-command" in result.entries[0]["Contents"]


def test_cli_runs_a_command_and_prints_its_entries(tmp_path):
    state = tmp_path / "state"
    cli = [sys.executable, "-m", "tools.xsoar_local", "--state", str(state)]
    subprocess.run([*cli, "instance", "set", "echo", "--integration", str(ECHO), "--param", "greeting=hey"],
                   cwd=ROOT, check=True, capture_output=True)
    ok = subprocess.run([*cli, "run", "echo-args", "--instance", "echo", "--arg", "who=analyst"], cwd=ROOT,
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "| hey | 1 | analyst |" in ok.stdout
    fetch = subprocess.run([*cli, "run", "fetch-incidents", "--instance", "echo"], cwd=ROOT, capture_output=True, text=True)
    assert "created 2 incident(s)" in fetch.stdout
    failed = subprocess.run([*cli, "run", "nope", "--instance", "echo"], cwd=ROOT, capture_output=True, text=True)
    assert failed.returncode == 1 and "[error]" in failed.stdout
    missing = subprocess.run([*cli, "run", "test-module", "--instance", "ghost"], cwd=ROOT, capture_output=True, text=True)
    assert missing.returncode == 2 and "no instance named 'ghost'" in missing.stderr


def test_cli_runs_a_mirroring_cycle(tmp_path, make_vectra_emulator):
    vectra = make_vectra_emulator(detections=6, events=30)  # each command is a new interpreter: keep it small
    state = tmp_path / "state"
    integration = ROOT / "Packs" / "VectraRUX" / "Integrations" / "VectraRUX"
    engine = Engine(state_dir=state)
    engine.set_instance("vectra", integration, vectra.instance_params(isFetch=True, first_fetch="7 days",
                                                                       mirror_direction="Incoming And Outgoing"))
    assert engine.run("vectra", "fetch-incidents").incidents
    cli = [sys.executable, "-m", "tools.xsoar_local", "--state", str(state), "mirror", "--instance", "vectra"]
    first = subprocess.run(cli, cwd=ROOT, capture_output=True, text=True)
    assert first.returncode == 0, first.stdout + first.stderr
    detection = int(engine.store.incidents()[0]["dbotMirrorId"])
    vectra.world.analyst_set_status([detection], "paused")
    engine.run("vectra", "fetch-incidents")  # the platform's fetch job runs too; mirroring reads up to where it stands
    second = subprocess.run(cli, cwd=ROOT, capture_output=True, text=True)
    assert second.returncode == 0 and "get-remote-data call(s)" in second.stdout, second.stdout
    assert engine.store.incidents()[0]["CustomFields"]["vectraruxinvestigationstatus"] == "paused"


def test_cli_clicks_buttons_and_runs_scripts_and_playbooks(tmp_path, make_vectra_emulator):
    vectra = make_vectra_emulator(detections=6, events=30)
    state = tmp_path / "state"
    integration = ROOT / "Packs" / "VectraRUX" / "Integrations" / "VectraRUX"
    engine = Engine(state_dir=state)
    engine.set_instance("vectra", integration, vectra.instance_params(isFetch=True, first_fetch="7 days"))
    incident = engine.run("vectra", "fetch-incidents").incidents[0]
    cli = [sys.executable, "-m", "tools.xsoar_local", "--state", str(state)]

    button = subprocess.run([*cli, "button", "Sync Detection Summary and EDR Process Context", "--incident",
                             incident["id"]], cwd=ROOT, capture_output=True, text=True)
    assert button.returncode == 0, button.stdout + button.stderr
    assert f"Synchronized the summary of detection {incident['dbotMirrorId']}" in button.stdout
    unknown = subprocess.run([*cli, "button", "Launch Missiles", "--incident", incident["id"]], cwd=ROOT,
                             capture_output=True, text=True)
    assert unknown.returncode == 2 and "has no button 'Launch Missiles'" in unknown.stderr

    script = subprocess.run([*cli, "script", "VectraRUXGetIncidents", "--arg", "page_size=2"], cwd=ROOT,
                            capture_output=True, text=True)
    assert script.returncode == 0 and "Open Vectra RUX Events Detection incidents, page 0" in script.stdout

    playbook = subprocess.run([*cli, "playbook", "Vectra RUX - Test"], cwd=ROOT, capture_output=True, text=True)
    assert playbook.returncode == 0 and "== playbook Vectra RUX - Test: ok" in playbook.stdout, playbook.stdout


def test_the_platform_built_ins_do_not_import_the_engine():
    """One direction: the engine builds the platform; the platform knows the server only as a Protocol."""
    import ast

    tree = ast.parse((Path(__file__).parent / "platform.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "tools.xsoar_local.engine" not in imported
