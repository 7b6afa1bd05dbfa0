"""Every endpoint of the emulator over HTTP, with each filter it documents and the errors it answers."""

import pytest

API = "/api/v3.5"


# --- OAuth2 ---------------------------------------------------------------------------------------------------


def test_client_credentials_grant_answers_both_tokens_and_lifetimes(vectra_api):
    grant = vectra_api.authenticate()
    assert set(grant) >= {"access_token", "refresh_token", "expires_in", "refresh_expires_in"}
    assert grant["expires_in"] == 3600 and grant["refresh_expires_in"] == 86400


def test_wrong_credentials_are_refused(vectra_emulator, vectra_api):
    answer = vectra_api.session.post(f"{vectra_emulator.url}/oauth2/token", data={"grant_type": "client_credentials"},
                                     auth=(vectra_emulator.client_id, "wrong"))
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


def test_refresh_grant_gives_a_working_access_token(vectra_emulator, vectra_api):
    grant = vectra_api.authenticate()
    refreshed = vectra_api.session.post(f"{vectra_emulator.url}/oauth2/token",
                                        data={"grant_type": "refresh_token", "refresh_token": grant["refresh_token"]})
    assert refreshed.status_code == 200
    vectra_api.token = refreshed.json()["access_token"]
    assert vectra_api.get(f"{API}/users").status_code == 200
    unknown = vectra_api.session.post(f"{vectra_emulator.url}/oauth2/token",
                                      data={"grant_type": "refresh_token", "refresh_token": "nope"})
    assert unknown.status_code == 401 and unknown.json()["error"] == "invalid_grant"


def test_api_calls_need_a_valid_bearer_token(vectra_emulator, vectra_api):
    bare = vectra_api.session.get(f"{vectra_emulator.url}{API}/detections")
    assert bare.status_code == 401 and "not provided" in bare.json()["detail"]
    vectra_api.token = "forged"
    assert vectra_api.get(f"{API}/detections").status_code == 401


def test_tokens_expire_after_their_lifetime(make_vectra_emulator):
    from tools.vectra_emulator.fixtures import ApiSession

    emulator = make_vectra_emulator(token_ttl=0)
    api = ApiSession(emulator)
    api.authenticate()
    assert api.get(f"{API}/users").status_code == 401


def test_expired_refresh_tokens_are_refused(make_vectra_emulator):
    from tools.vectra_emulator.fixtures import ApiSession

    emulator = make_vectra_emulator(refresh_ttl=0)
    grant = ApiSession(emulator).authenticate()
    answer = ApiSession(emulator).session.post(f"{emulator.url}/oauth2/token",
                                               data={"grant_type": "refresh_token", "refresh_token": grant["refresh_token"]})
    assert answer.status_code == 401


# --- events stream --------------------------------------------------------------------------------------------


def drain(vectra_api, **params):
    events, checkpoint = [], None
    while True:
        query = dict(params, limit=params.get("limit", 50))
        if checkpoint is not None:
            query["from"] = checkpoint
        page = vectra_api.events(**query)
        events.extend(page["events"])
        checkpoint = page["next_checkpoint"]
        if page["remaining_count"] == 0:
            return events, checkpoint


def test_checkpoints_page_through_the_whole_stream_in_id_order(vectra_emulator, vectra_api):
    events, checkpoint = drain(vectra_api, include_info_category="true", include_triaged="true")
    ids = [event["id"] for event in events]
    assert ids == sorted(ids) and len(ids) == len(set(ids)) == len(vectra_emulator.world.events)
    assert checkpoint == ids[-1]
    assert vectra_api.events(**{"from": checkpoint})["events"] == []


def test_remaining_count_counts_what_is_left_after_the_page(vectra_api):
    first = vectra_api.events(limit=10, include_info_category="true", include_triaged="true")
    rest, _ = drain(vectra_api, include_info_category="true", include_triaged="true", **{"from": first["next_checkpoint"]})
    assert first["remaining_count"] == len(rest)


def test_limit_is_bounded_to_1000(vectra_api):
    assert vectra_api.get(f"{API}/events/detections", params={"limit": 1001}).status_code == 400
    assert vectra_api.get(f"{API}/events/detections", params={"limit": 0}).status_code == 400
    assert vectra_api.get(f"{API}/events/detections", params={"limit": "x"}).status_code == 400


def test_timestamp_window_filters(vectra_emulator, vectra_api):
    everything, _ = drain(vectra_api, include_info_category="true", include_triaged="true")
    stamps = sorted(event["event_timestamp"] for event in everything)
    low, high = stamps[len(stamps) // 4], stamps[3 * len(stamps) // 4]
    window, _ = drain(vectra_api, include_info_category="true", include_triaged="true", event_timestamp_gte=low,
                      event_timestamp_lte=high)
    assert window and all(low <= e["event_timestamp"] <= high for e in window)
    assert len(window) == sum(low <= s <= high for s in stamps)
    assert vectra_api.get(f"{API}/events/detections", params={"event_timestamp_gte": "yesterday"}).status_code == 400


@pytest.mark.parametrize("entity_type", ["host", "account"])
def test_type_filter(vectra_api, entity_type):
    events, _ = drain(vectra_api, type=entity_type)
    assert events and {event["type"] for event in events} == {entity_type}
    both, _ = drain(vectra_api, type="host,account")
    assert len(both) > len(events)


def test_detection_id_filter_and_descending_order_give_the_latest_event(vectra_emulator, vectra_api):
    busiest = max(vectra_emulator.world.detections.values(), key=lambda d: d.num_events)
    events, _ = drain(vectra_api, detection_id=busiest.id, include_info_category="true", include_triaged="true")
    assert {event["detection_id"] for event in events} == {busiest.id}
    latest = vectra_api.events(detection_id=busiest.id, ordering="-id", limit=1, include_info_category="true",
                               include_triaged="true")
    assert latest["events"][0]["id"] == max(event["id"] for event in events)


def test_info_category_and_triaged_detections_are_hidden_unless_asked_for(vectra_emulator, vectra_api):
    world = vectra_emulator.world
    info = world.add_detections(1, category="info")[0]
    triaged = world.add_detections(1, category="reconnaissance")[0]
    world.triage_detections([triaged])
    world.add_observations([triaged])
    default, _ = drain(vectra_api, size="detailed")
    # The filter reads each event's own `triaged` flag: events from before the triage stay visible.
    assert info not in {event["detection_id"] for event in default}
    assert [e["change_type"] for e in default if e["detection_id"] == triaged] == ["new"]
    with_info, _ = drain(vectra_api, include_info_category="true")
    assert info in {event["detection_id"] for event in with_info}
    with_triaged, _ = drain(vectra_api, include_triaged="true", size="detailed")
    assert [e["change_type"] for e in with_triaged if e["detection_id"] == triaged] == ["new", "triage", "append"]


def test_size_detailed_carries_the_rich_fields(vectra_api):
    detailed = vectra_api.events(limit=5, size="detailed")["events"][0]
    basic = vectra_api.events(limit=5)["events"][0]
    rich = {"detail", "summary", "src_host", "src_account", "dst_host", "data_source", "filters", "assignment", "notes",
            "tags", "external_reference_id", "investigation_status", "unresolved_priority", "is_prioritized",
            "change_type", "entity_name", "entity_uid", "mitre", "url", "detection_href", "severity"}
    assert rich <= set(detailed)
    assert "summary" not in basic and basic["detail"] == {}
    assert isinstance(detailed["severity"], int)


def test_change_type_investigation_status_and_unresolved_priority_filters(vectra_emulator, vectra_api):
    world = vectra_emulator.world
    new_id = world.add_detections(1, prioritized=True)[0]
    world.analyst_set_status([new_id], "escalated")
    news, _ = drain(vectra_api, change_type="new", size="detailed")
    assert news and {event["change_type"] for event in news} == {"new"}
    escalated, _ = drain(vectra_api, investigation_status="escalated", size="detailed")
    assert escalated and {event["investigation_status"] for event in escalated} == {"escalated"}
    prioritized, _ = drain(vectra_api, unresolved_priority="true", size="detailed")
    assert prioritized and all(world.entities[(e["type"], e["entity_id"])].unresolved_priority for e in prioritized)
    assert vectra_api.get(f"{API}/events/detections", params={"change_type": "moved"}).status_code == 400


def test_every_write_appends_the_matching_event(vectra_emulator, vectra_api):
    world = vectra_emulator.world
    detection = world.add_detections(1, entity_type="host")[0]
    start = world.latest_event_id() - 1
    world.add_observations([detection])
    vectra_api.patch(f"{API}/detections", json={"detectionIdList": [detection], "investigation_status": "acknowledged"})
    vectra_api.patch(f"{API}/detections", json={"detectionIdList": [detection], "external_reference_id": "INC-1"})
    vectra_api.patch(f"{API}/detections/close", json={"detectionIdList": [detection], "reason": "benign"})
    vectra_api.patch(f"{API}/detections/open", json={"detectionIdList": [detection]})
    vectra_api.patch(f"{API}/tagging/detection/{detection}", json={"tags": ["a"]})
    vectra_api.post(f"{API}/detections/{detection}/notes", json={"note": "looked at it"})
    world.triage_detections([detection])
    events = vectra_api.events(**{"from": start, "detection_id": detection, "size": "detailed", "include_triaged": "true",
                                  "include_info_category": "true"})["events"]
    assert [event["change_type"] for event in events] == [
        "new", "append", "investigation_status", "adjust", "state", "state", "adjust", "adjust", "triage"]
    ids = [event["id"] for event in events]
    assert ids == sorted(ids)
    assert events[-1]["tags"] == ["a"] and events[-1]["notes"][0]["note"] == "looked at it"
    assert events[-1]["external_reference_id"] == "INC-1" and events[4]["reason"] == "benign"


def test_events_are_snapshots_that_do_not_change_afterwards(vectra_emulator, vectra_api):
    detection = vectra_emulator.world.add_detections(1)[0]
    before = vectra_api.events(detection_id=detection, size="detailed", include_info_category="true")["events"][0]
    vectra_emulator.world.analyst_set_status([detection], "paused")
    after = vectra_api.events(detection_id=detection, size="detailed", include_info_category="true")["events"]
    assert after[0] == before and after[-1]["investigation_status"] == "paused"


# --- detections -----------------------------------------------------------------------------------------------


def test_detection_list_paginates_with_absolute_links(vectra_emulator, vectra_api):
    page = vectra_api.get(f"{API}/detections", params={"page_size": 7, "page": 2}).json()
    assert page["count"] == len(vectra_emulator.world.detections)
    assert len(page["results"]) == 7
    assert page["next"].startswith(vectra_emulator.url) and "page=3" in page["next"] and "page=1" in page["previous"]
    assert vectra_api.get(f"{API}/detections", params={"page_size": 5001}).status_code == 400
    assert vectra_api.get(f"{API}/detections", params={"page": 999}).status_code == 404


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"state": "active"}, lambda d: d["state"] == "active"),
        ({"detection_category": "lateral"}, lambda d: d["detection_category"] == "LATERAL MOVEMENT"),
        ({"type": "account"}, lambda d: d["type"] == "account"),
        ({"is_triaged": "false"}, lambda d: d["is_triaged"] is False),
        ({"include_info_category": "false"}, lambda d: d["detection_category"] != "INFO"),
        ({"threat_gte": "60"}, lambda d: d["threat"] >= 60),
        ({"certainty_gte": "50"}, lambda d: d["certainty"] >= 50),
        ({"min_id": "1010", "max_id": "1020"}, lambda d: 1010 <= d["id"] <= 1020),
        ({"created_timestamp_gte": "2000-01-01T00:00:00Z"}, lambda d: True),
        ({"last_timestamp_gte": "2000-01-01T00:00:00Z", "last_timestamp_lte": "2100-01-01T00:00:00Z"}, lambda d: True),
        ({"ordering": "-last_timestamp"}, lambda d: True),
    ],
)
def test_detection_list_filters(vectra_api, params, check):
    results = vectra_api.get(f"{API}/detections", params={**params, "page_size": 5000}).json()["results"]
    assert results and all(check(d) for d in results)


def test_detection_list_filters_that_need_setup(vectra_emulator, vectra_api):
    world = vectra_emulator.world
    target = world.add_detections(1, entity_type="host")[0]
    world.close_detections([target], "remediated")
    world.replace_tags("detection", target, ["needle"])
    detection = world.detections[target]

    def ids(**params):
        return [d["id"] for d in vectra_api.get(f"{API}/detections", params={**params, "page_size": 5000}).json()["results"]]

    assert ids(id=f"{target},1000") == [1000, target]
    assert target in ids(reason="remediated") and target in ids(state="fixed") and ids(tags="needle") == [target]
    assert target in ids(entity_id=detection.entity.id, type="host")
    assert target in ids(detection_type=detection.detection_type)
    assert target in ids(detection=detection.detection_type.split()[0])
    assert target in ids(description=detection.entity.name)
    assert target in ids(src_ip=detection.entity.ip) and target in ids(host_id=detection.entity.id)
    assert vectra_api.get(f"{API}/detections", params={"state": "sleeping"}).status_code == 400
    assert vectra_api.get(f"{API}/detections", params={"id": "1,x"}).status_code == 400


def test_describe_one_detection(vectra_api):
    answer = vectra_api.get(f"{API}/detections/1000")
    assert answer.status_code == 200 and answer.json()["id"] == 1000
    assert vectra_api.get(f"{API}/detections/99999").status_code == 404


def test_bulk_patch_status_and_external_reference(vectra_emulator, vectra_api):
    body = {"detectionIdList": ["1000", 1001], "investigation_status": "escalated"}
    answer = vectra_api.patch(f"{API}/detections", json=body)
    assert answer.status_code == 200 and answer.json()["_meta"]["level"] == "Success"
    assert vectra_emulator.world.detections[1001].investigation_status == "escalated"
    bad_bodies = ({"detectionIdList": [1000], "investigation_status": "done"},
                  {"detectionIdList": [], "investigation_status": "open"})
    for bad in bad_bodies:
        assert vectra_api.patch(f"{API}/detections", json=bad).status_code == 400
    missing = vectra_api.patch(f"{API}/detections", json={"detectionIdList": [1000, 424242], "external_reference_id": "X"})
    assert missing.status_code == 404 and vectra_emulator.world.detections[1000].external_reference_id is None


def test_close_and_reopen(vectra_emulator, vectra_api):
    closed = vectra_api.patch(f"{API}/detections/close", json={"detectionIdList": [1002], "reason": "remediated"})
    assert closed.json()["_meta"] == {"level": "Success", "message": "Successfully closed detections"}
    assert vectra_emulator.world.detections[1002].state == "fixed"
    reopened = vectra_api.patch(f"{API}/detections/open", json={"detectionIdList": [1002]})
    assert "Successfully re-opened detections" in reopened.json()["_meta"]["message"]
    assert vectra_emulator.world.detections[1002].state == "active"
    assert vectra_api.patch(f"{API}/detections/close", json={"detectionIdList": [1002], "reason": "bored"}).status_code == 400


@pytest.mark.parametrize(("base", "suffix"), [(f"{API}/detections/1003", ""), (f"{API}/entities/100", "?type=host")])
def test_notes_lifecycle_and_size_limit(vectra_api, base, suffix):
    created = vectra_api.post(f"{base}/notes{suffix}", json={"note": "first"})
    assert created.status_code == 201 and created.json()["note"] == "first"
    note_id = created.json()["id"]
    assert [n["note"] for n in vectra_api.get(f"{base}/notes{suffix}").json()][-1] == "first"
    updated = vectra_api.patch(f"{base}/notes/{note_id}{suffix}", json={"note": "second"})
    assert updated.json()["note"] == "second" and updated.json()["date_modified"]
    assert vectra_api.post(f"{base}/notes{suffix}", json={"note": "x" * 8001}).status_code == 400
    assert vectra_api.post(f"{base}/notes{suffix}", json={"note": ""}).status_code == 400
    assert vectra_api.delete(f"{base}/notes/{note_id}{suffix}").status_code == 204
    assert vectra_api.delete(f"{base}/notes/{note_id}{suffix}").status_code == 404


@pytest.mark.parametrize(("path", "suffix"), [(f"{API}/tagging/detection/1004", ""), (f"{API}/tagging/entity/101", "?type=host")])
def test_tagging_replaces_the_whole_list_and_rejects_invalid_tags(vectra_api, path, suffix):
    assert vectra_api.patch(f"{path}{suffix}", json={"tags": ["one", "two"]}).json()["tags"] == ["one", "two"]
    answer = vectra_api.patch(f"{path}{suffix}", json={"tags": ["three"]})
    assert answer.json() == {"status": "success", "tag_id": path.rsplit("/", 1)[1], "tags": ["three"]}
    assert vectra_api.get(f"{path}{suffix}").json()["tags"] == ["three"]
    invalid = vectra_api.patch(f"{path}{suffix}", json={"tags": ["ok", "bad<tag>"]})
    assert invalid.status_code == 400 and invalid.json()["status"] == "failure" and invalid.json()["invalid_tags"] == ["bad<tag>"]
    assert vectra_api.patch(f"{path}{suffix}", json={"tags": []}).json()["tags"] == []


def test_pcap_download_names_its_file(vectra_emulator, vectra_api):
    host_detection = next(d.id for d in vectra_emulator.world.detections.values() if d.entity.type == "host")
    answer = vectra_api.get(f"{API}/detections/{host_detection}/pcap")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/vnd.tcpdump.pcap"
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="')
    assert answer.content[:4] == b"\xd4\xc3\xb2\xa1"
    account_detection = next(d.id for d in vectra_emulator.world.detections.values() if d.entity.type == "account")
    assert vectra_api.get(f"{API}/detections/{account_detection}/pcap").status_code == 404


# --- entities -------------------------------------------------------------------------------------------------


def test_entity_list_and_filters(vectra_emulator, vectra_api):
    everything = vectra_api.get(f"{API}/entities", params={"page_size": 5000}).json()
    assert everything["count"] == len(vectra_emulator.world.entities)
    hosts = vectra_api.get("/api/v3.4/entities", params={"type": "host", "page_size": 5000}).json()["results"]
    assert hosts and {e["type"] for e in hosts} == {"host"}
    prioritized = vectra_api.get(f"{API}/entities", params={"is_prioritized": "true", "page_size": 5000}).json()["results"]
    assert prioritized and all(e["is_prioritized"] for e in prioritized)
    ordered = vectra_api.get(f"{API}/entities", params={"ordering": "-urgency_score", "page_size": 5000}).json()["results"]
    assert [e["urgency_score"] for e in ordered] == sorted((e["urgency_score"] for e in ordered), reverse=True)
    named = vectra_api.get(f"{API}/entities", params={"name": hosts[0]["name"][:5]}).json()["results"]
    assert hosts[0]["id"] in [e["id"] for e in named]
    vectra_emulator.world.replace_tags("entity", hosts[0]["id"], ["crown-jewel"], "host")
    tagged = vectra_api.get(f"{API}/entities", params={"tags": "crown-jewel"}).json()["results"]
    assert [(e["type"], e["id"]) for e in tagged] == [("host", hosts[0]["id"])]
    for param in ("last_detection_timestamp_gte", "last_modified_timestamp_gte"):
        assert vectra_api.get(f"{API}/entities", params={param: "2000-01-01T00:00:00Z"}).json()["count"] > 0
    assert vectra_api.get(f"{API}/entities", params={"state": "active"}).json()["count"] > 0


def test_entity_describe_needs_its_type(vectra_api):
    assert vectra_api.get(f"{API}/entities/100").status_code == 400
    answer = vectra_api.get(f"{API}/entities/100", params={"type": "host"})
    assert answer.status_code == 200 and answer.json()["type"] == "host"
    assert vectra_api.get(f"{API}/entities/99999", params={"type": "host"}).status_code == 404


def test_entity_patch_external_reference_and_unresolved_priority(vectra_emulator, vectra_api):
    world = vectra_emulator.world
    answer = vectra_api.patch(f"{API}/entities/100?type=host", json={"external_reference_id": "CASE-9"})
    assert answer.json()["external_reference_id"] == "CASE-9"
    world.set_entity_urgency("host", 101, 90)
    refused = vectra_api.patch(f"{API}/entities/101?type=host", json={"unresolved_priority": "False"})
    assert refused.status_code == 400 and "threshold" in refused.json()["detail"]
    world.set_entity_urgency("host", 101, 10)
    assert world.entities[("host", 101)].unresolved_priority is True
    reset = vectra_api.patch(f"{API}/entities/101?type=host", json={"unresolved_priority": "False"})
    assert reset.status_code == 200 and reset.json()["unresolved_priority"] is False


def test_an_entitys_detections(vectra_emulator, vectra_api):
    entity = next(e for e in vectra_emulator.world.entities.values() if e.detection_ids)
    results = vectra_api.get(f"{API}/detections", params={"entity_id": entity.id, "type": entity.type,
                                                          "page_size": 5000}).json()["results"]
    assert sorted(d["id"] for d in results) == sorted(entity.detection_ids)
    described = vectra_api.get(f"{API}/entities/{entity.id}", params={"type": entity.type}).json()
    assert [int(url.rsplit("/", 1)[1]) for url in described["detection_set"]] == entity.detection_ids


# --- assignments, outcomes, groups, users, investigations -----------------------------------------------------


def test_assignment_lifecycle(vectra_emulator, vectra_api):
    world = vectra_emulator.world
    free_host = next(e for e in world.entities.values() if e.type == "host" and world._current_assignment(e) is None)
    created = vectra_api.post(f"{API}/assignments", json={"assign_to_user_id": 21, "assign_host_id": free_host.id})
    assert created.status_code == 201
    assignment = created.json()["assignment"]
    assert assignment["host_id"] == free_host.id and assignment["assigned_to"]["id"] == 21
    duplicate = vectra_api.post(f"{API}/assignments", json={"assign_to_user_id": 22, "assign_host_id": free_host.id})
    assert duplicate.status_code == 409
    moved = vectra_api.put(f"{API}/assignments/{assignment['id']}", json={"assign_to_user_id": 22}).json()["assignment"]
    assert moved["assigned_to"]["id"] == 22 and moved["events"][0]["event_type"] == "reassigned"
    detection = free_host.detection_ids[0] if free_host.detection_ids else world.add_detections(1, "host")[0]
    resolved = vectra_api.put(f"{API}/assignments/{assignment['id']}/resolve",
                              json={"outcome": 3, "note": "fp", "triage_as": "Benign scanner", "detection_ids": [detection]})
    body = resolved.json()["assignment"]
    assert body["outcome"]["title"] == "False Positive" and body["date_resolved"]
    assert world.detections[detection].triaged
    assert vectra_api.put(f"{API}/assignments/{assignment['id']}/resolve", json={"outcome": 1}).status_code == 409
    listed = vectra_api.get(f"{API}/assignments", params={"hosts": free_host.id, "resolved": "true"}).json()["results"]
    assert [a["id"] for a in listed] == [assignment["id"]]
    assert vectra_api.post(f"{API}/assignments", json={"assign_to_user_id": 999, "assign_host_id": 100}).status_code in (400, 409)
    assert vectra_api.post(f"{API}/assignments", json={"assign_to_user_id": 21}).status_code == 400
    assert vectra_api.delete(f"{API}/assignments/{assignment['id']}").status_code == 204
    assert vectra_api.delete(f"{API}/assignments/{assignment['id']}").status_code == 404


def test_assignment_list_filters(vectra_emulator, vectra_api):
    everything = vectra_api.get(f"{API}/assignments", params={"page_size": 5000}).json()["results"]
    assert everything
    sample = everything[0]
    by_assignee = vectra_api.get(f"{API}/assignments", params={"assignees": sample["assigned_to"]["id"]}).json()["results"]
    assert by_assignee and all(a["assigned_to"]["id"] == sample["assigned_to"]["id"] for a in by_assignee)
    accounts = [a for a in everything if a["account_id"]]
    if accounts:
        listed = vectra_api.get(f"{API}/assignments", params={"accounts": accounts[0]["account_id"]}).json()["results"]
        assert {a["account_id"] for a in listed} == {accounts[0]["account_id"]}
    unresolved = vectra_api.get(f"{API}/assignments", params={"resolved": "false"}).json()["results"]
    assert all(a["date_resolved"] is None for a in unresolved)
    by_outcome = vectra_api.get(f"{API}/assignments", params={"resolution": 1}).json()["results"]
    assert all(a["outcome"]["id"] == 1 for a in by_outcome)
    assert vectra_api.get(f"{API}/assignments", params={"created_after": "2100-01-01T00:00:00Z"}).json()["count"] == 0


def test_outcomes(vectra_api):
    builtin = vectra_api.get(f"{API}/assignment_outcomes").json()["results"]
    assert [o["id"] for o in builtin[:3]] == [1, 2, 3]
    created = vectra_api.post(f"{API}/assignment_outcomes", json={"title": "Pentest", "category": "benign_true_positive"})
    assert created.status_code == 201 and created.json()["builtin"] is False
    assert vectra_api.post(f"{API}/assignment_outcomes", json={"title": "x", "category": "maybe"}).status_code == 400


def test_groups_list_filters_and_membership_replace(vectra_emulator, vectra_api):
    groups = vectra_api.get(f"{API}/groups").json()["results"]
    assert {g["type"] for g in groups} == {"host", "account", "ip", "domain"}
    assert {g["type"] for g in vectra_api.get(f"{API}/groups", params={"type": "domain"}).json()["results"]} == {"domain"}
    host_group = next(g for g in groups if g["type"] == "host")
    member_id = host_group["members"][0]["id"]
    by_member = vectra_api.get(f"{API}/groups", params={"host_ids": member_id}).json()["results"]
    assert host_group["id"] in [g["id"] for g in by_member]
    by_name = vectra_api.get(f"{API}/groups", params={"name": host_group["name"][:6]}).json()["results"]
    assert host_group["id"] in [g["id"] for g in by_name]
    assert vectra_api.get(f"{API}/groups", params={"importance": "high"}).status_code == 200
    replaced = vectra_api.patch(f"{API}/groups/{host_group['id']}", json={"members": [100, 101, 100]}).json()
    assert [m["id"] for m in replaced["members"]] == [100, 101]
    assert vectra_api.patch(f"{API}/groups/{host_group['id']}", json={"members": [987654]}).status_code == 400
    domain_group = next(g for g in groups if g["type"] == "domain")
    assert vectra_api.patch(f"{API}/groups/{domain_group['id']}", json={"members": ["*.a.com"]}).json()["members"] == ["*.a.com"]
    account_group = next(g for g in groups if g["type"] == "account")
    members = vectra_api.patch(f"{API}/groups/{account_group['id']}", json={"members": ["O365:x@corp"]}).json()["members"]
    assert members == [{"uid": "O365:x@corp"}]
    assert vectra_api.get(f"{API}/groups/{account_group['id']}").json()["members"] == [{"uid": "O365:x@corp"}]
    assert vectra_api.get(f"{API}/groups/999").status_code == 404


def test_users_and_their_filters(vectra_emulator, vectra_api):
    users = vectra_api.get(f"{API}/users").json()["results"]
    assert len(users) == len(vectra_emulator.world.users)
    analysts = vectra_api.get(f"{API}/users", params={"role": "security_analyst"}).json()["results"]
    assert analysts and {u["role"] for u in analysts} == {"Security Analyst"}
    with_email = next(u for u in users if u["email"])
    by_email = vectra_api.get(f"{API}/users", params={"email": with_email["email"]}).json()["results"]
    assert [u["id"] for u in by_email] == [with_email["id"]]
    recent = vectra_api.get(f"{API}/users", params={"last_login_gte": "2000-01-01T00:00:00Z"}).json()["results"]
    assert recent and all(u["last_login_timestamp"] for u in recent)
    assert vectra_api.get(f"{API}/users", params={"role": "wizard"}).status_code == 400


def test_investigation_query_runs_then_completes_and_pages(vectra_api):
    submitted = vectra_api.post(f"{API}/investigations", json={"query": "SELECT * FROM network LIMIT 100"}).json()
    request_id = submitted["request_id"]
    assert submitted["searchable_range"]["searchable_days_allowed"] == 30
    first = vectra_api.get(f"{API}/investigations/{request_id}").json()
    assert first["meta"]["query_status"] == "running" and first["data"] == []
    done = vectra_api.get(f"{API}/investigations/{request_id}", params={"page": 1, "page_size": 2}).json()
    assert done["meta"]["query_status"] == "completed" and len(done["data"]) == 2
    assert done["meta"]["num_rows_available"] >= 5 and done["meta"]["columns"]
    assert vectra_api.get(f"{API}/investigations/unknown").status_code == 404
    assert vectra_api.post(f"{API}/investigations", json={"query": " "}).status_code == 400


def test_unknown_routes_and_methods(vectra_api):
    assert vectra_api.get(f"{API}/nothing-here").status_code == 404
    assert vectra_api.delete(f"{API}/detections").status_code == 405
    broken = vectra_api.patch(f"{API}/detections", data=b"{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400


# --- counters and admin ---------------------------------------------------------------------------------------


def test_counters_per_endpoint_and_status(vectra_emulator, vectra_api):
    vectra_emulator.reset_counters()
    vectra_api.authenticate()
    vectra_api.events(limit=1)
    vectra_api.events(limit=1)
    vectra_api.get(f"{API}/detections/1")
    assert vectra_emulator.api_requests("events/detections") == 2
    assert vectra_emulator.api_requests("detections/{id}", status=404) == 1
    assert vectra_emulator.api_requests("oauth2/token") == 1
    assert vectra_emulator.api_requests() == 4
    rows = vectra_api.session.get(f"{vectra_emulator.url}/_emulator/counters").json()
    assert {"method": "GET", "route": "events/detections", "status": 200, "count": 2} in rows
    timings = vectra_api.session.get(f"{vectra_emulator.url}/_emulator/timings").json()
    assert timings["events/detections"] > 0
    stats = vectra_api.session.get(f"{vectra_emulator.url}/_emulator/stats").json()
    assert stats == {"api_requests": 4, "events_served": 2}


def test_admin_endpoint_advances_the_world(vectra_emulator, vectra_api):
    admin = f"{vectra_emulator.url}/_emulator/world"
    before = vectra_api.session.get(admin).json()
    created = vectra_api.session.post(admin, json={"action": "add_detections", "count": 2, "entity_type": "account"}).json()
    assert len(created["result"]) == 2
    vectra_api.session.post(admin, json={"action": "add_observations", "detection_ids": created["result"]})
    vectra_api.session.post(admin, json={"action": "set_status", "detection_ids": created["result"], "status": "escalated"})
    vectra_api.session.post(admin, json={"action": "add_note", "detection_id": created["result"][0], "text": "from MDR"})
    after = vectra_api.session.get(admin).json()
    assert after["events"] == before["events"] + 7 and after["detections"] == before["detections"] + 2
    assert vectra_api.session.post(admin, json={"action": "explode"}).status_code == 400
    assert vectra_api.session.post(admin, json={"action": "add_detections", "bogus": 1}).status_code == 400
