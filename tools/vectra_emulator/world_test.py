"""The generated tenant: deterministic from its seed, sized as asked, and consistent with its own events."""

from datetime import datetime, timezone

from tools.vectra_emulator.world import EventQuery, World

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)


def signature(world):
    return [(e.id, e.detection_id, e.change_type, e.timestamp) for e in world.events]


def test_same_seed_same_world_and_other_seed_other_world():
    first = World.generate(seed=3, detections=50, events=400, now=NOW)
    again = World.generate(seed=3, detections=50, events=400, now=NOW)
    other = World.generate(seed=4, detections=50, events=400, now=NOW)
    assert signature(first) == signature(again)
    assert signature(first) != signature(other)


def test_sizes_are_as_asked():
    world = World.generate(seed=1, entities=25, detections=80, events=900, now=NOW)
    assert len(world.entities) == 25 and len(world.detections) == 80 and len(world.events) == 900
    assert sum(e.change_type == "new" for e in world.events) == 80


def test_every_detection_has_exactly_one_new_event_and_it_comes_first():
    world = World.generate(seed=2, detections=60, events=600, now=NOW)
    firsts = {}
    for event in world.events:
        firsts.setdefault(event.detection_id, event.change_type)
    assert set(firsts.values()) == {"new"}
    assert sorted(firsts) == sorted(world.detections)


def test_event_ids_increase_and_detection_ids_follow_creation():
    world = World.generate(seed=5, detections=40, events=300, now=NOW)
    ids = [e.id for e in world.events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    new_order = [e.detection_id for e in world.events if e.change_type == "new"]
    assert new_order == sorted(new_order)


def test_history_has_every_change_type_and_some_qualifying_detections():
    world = World.generate(seed=6, detections=200, events=3000, now=NOW)
    assert {e.change_type for e in world.events} == {"new", "append", "adjust", "investigation_status", "triage", "state"}
    assert any(e.investigation_status == "escalated" for e in world.events)
    assert any(world.entities[e.entity_key].is_prioritized for e in world.events)
    assert {d.entity.type for d in world.detections.values()} == {"host", "account"}


def test_history_spans_the_requested_window_before_now():
    world = World.generate(seed=7, detections=30, events=200, now=NOW, history_hours=10)
    stamps = sorted(e.timestamp for e in world.events)
    assert stamps[0] >= "2026-11-01T02:00:00Z" and stamps[-1] <= "2026-11-01T12:00:00Z"


def test_query_counts_remaining_after_a_full_page():
    world = World.generate(seed=8, detections=30, events=200, now=NOW)
    page = world.query_events(EventQuery(limit=50, include_info_category=True, include_triaged=True))
    assert len(page.events) == 50 and page.remaining_count == 150 and page.next_checkpoint == page.events[-1].id
