"""Installing over the published Vectra RUX pack, end to end: the published integration fetched part of a backlog
(its incidents are in the engine, its last run and plain-token integration context on the instance); this
integration, same id and instance, drains the rest. Every detection that deserves one has exactly one incident;
then an old incident mirrors a change in and pushes one out, and new events of a detection the published
integration fetched create nothing."""

from collections import Counter

import pytest

from Tests.e2e.helpers import engine_for, fetch_until_quiet, qualifying_detections
from Tests.e2e.published_integration import PublishedIntegration
from tools.vectra_emulator.fixtures import ApiSession
from tools.xsoar_local.mirroring import Mirroring

pytestmark = pytest.mark.e2e


@pytest.fixture
def upgraded(make_vectra_emulator, tmp_path):
    vectra = make_vectra_emulator(seed=23, entities=30, detections=200, events=1500, history_hours=48)
    world = vectra.world
    first_read = world.events[len(world.events) * 2 // 5]
    published = PublishedIntegration(ApiSession(vectra), first_fetch=first_read.timestamp)
    for _ in range(6):
        published.fetch()
    checkpoint = published.last_run["from"]
    assert 0 < checkpoint < world.latest_event_id()  # mid-backlog
    engine = engine_for(vectra, tmp_path, isolation="process", max_fetch="50")
    instance = engine.instance("vectra")
    for incident in published.incidents:
        engine.store.create_incident("vectra", engine._incident_doc(instance, incident))
    engine.store.set_last_run("vectra", published.last_run)
    engine.store.integration_context("vectra").write(published.context())
    vectra.reset_counters()
    return vectra, engine, published


def test_every_detection_ends_with_exactly_one_incident(upgraded, capsys):
    vectra, engine, published = upgraded
    fetched, checkpoint = set(published.last_run["was_fetched"]), published.last_run["from"]
    runs_to_convert = 0
    while "was_fetched" in engine.store.last_run("vectra"):
        assert engine.run("vectra", "fetch-incidents").ok
        runs_to_convert += 1
    fetch_until_quiet(engine)
    per_detection = Counter(int(incident["dbotMirrorId"]) for incident in engine.store.incidents())
    expected = fetched | qualifying_detections(vectra.world, after_event_id=checkpoint)
    duplicates = sum(count - 1 for count in per_detection.values())
    lost = expected - set(per_detection)
    with capsys.disabled():
        print(f"\nupgrade: published fetched {len(fetched)} detections up to event {checkpoint}; {len(expected)} deserve "
              f"an incident; duplicates {duplicates}, lost {len(lost)}, runs until converted {runs_to_convert}")
    assert duplicates == 0 and lost == set() and set(per_detection) == expected
    assert runs_to_convert == 1
    assert vectra.api_requests(route="oauth2/token") == 0  # the published integration's token is still good: used


def test_old_incidents_keep_mirroring_both_ways_and_refetch_nothing(upgraded):
    vectra, engine, published = upgraded
    world = vectra.world
    fetch_until_quiet(engine)
    old = {int(i["dbotMirrorId"]): i for i in engine.store.incidents()
           if int(i["dbotMirrorId"]) in published.last_run["was_fetched"]}
    active = [d for d in sorted(old) if world.detections[d].state == "active"
              and world.detections[d].investigation_status not in ("closed", "expired")]
    inbound, outbound = active[0], active[1]
    new_status = "paused" if world.detections[inbound].investigation_status != "paused" else "acknowledged"
    world.analyst_set_status([inbound], new_status)
    world.add_observations([outbound])  # weeks later: new activity on a detection the published integration fetched
    engine.edit_incident(old[outbound]["id"], {"vectraruxinvestigationstatus": "acknowledged"})
    mirroring = Mirroring(engine, "vectra")
    outgoing = mirroring.outgoing()
    created = engine.run("vectra", "fetch-incidents")
    incoming = mirroring.incoming()
    assert created.ok and created.incidents == []
    assert outgoing.errors == [] and incoming.errors == []
    assert world.detections[outbound].investigation_status == "acknowledged"
    assert engine.store.incident(old[inbound]["id"])["CustomFields"]["vectraruxinvestigationstatus"] == new_status
