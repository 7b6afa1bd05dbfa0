"""Vectra RUX Event Collector for Cortex XSIAM: Vectra's event streams in the `vectra_rux_raw` dataset.

Five streams, each selectable: audits, detection events, entity scoring (hosts and accounts), lockdown and health.
The paged streams keep a checkpoint each (the integration context, one JSON string); a run pages every selected
stream until it is caught up or its share of the run's time is spent, and sends each page to XSIAM as it is read. A
checkpoint moves only past a page XSIAM accepted, so a run that fails part-way sends nothing twice but the page it
failed on, and skips nothing. Lockdown and health are snapshots: sent whenever what they say differs from the last
one sent (a new time alone is no change). Every event carries `_time` — its own timestamp, in UTC — and
`source_stream`.

Each stream's own timestamp, as Vectra's real answers carry it (ISO 8601 UTC with "Z", with or without fractions of
a second): audits, detection events and entity scoring `event_timestamp`; a lockdown entry `lock_event_timestamp`
(the answer is a bare list of entries); the health answer its top-level `event_timestamp` (its sections' `updated_at`
say when each was last checked). An event without a readable timestamp of its own — the field missing, empty, not a
date, or "nothing locked" — gets `_time` = when the collector read it; its own field is sent as it came.

The connection, the client (OAuth2, retries, Retry-After, time budget) and the integration context helpers are the
pack's API module, VectraRUXApiModule, shared with the incidents integration.
"""

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *
from VectraRUXApiModule import *  # the connection, the client and the integration context helpers, shared

BRAND = "VectraRUXEventCollector"  # the integration's id
VENDOR, PRODUCT = "Vectra", "RUX"  # the dataset: vectra_rux_raw
CONTEXT_STREAMS_KEY = "streams"  # each stream's checkpoint, or its last snapshot's digest
FETCH_TIME_BUDGET_S = 150
COMMAND_TIME_BUDGET_S = 120
SEND_CHUNK_BYTES = 8 * 2**20  # a page of events is one POST to the collector
DEFAULT_MAX_EVENTS = 100_000
MAX_EVENTS_LIMIT = 1_000_000


@dataclass(frozen=True)
class Stream:
    key: str  # its state in the integration context
    marker: str  # `source_stream` of its events, and the value of the command's `stream` argument
    option: str  # as the Event Streams parameter lists it
    path: str  # /api/v3.5/events/<path> (paged) or /api/v3.5/<path> (a snapshot)
    time_field: str  # the event's own timestamp: its `_time`
    query: dict = field(default_factory=dict)
    paged: bool = True
    clock_fields: frozenset = frozenset()  # a snapshot's fields that only say when Vectra looked: not a change


# Health: the answer's own time, each section's `updated_at` (when Vectra last checked it), the brain's clock
# (`system.version.gmt`), `system.uptime` and each sensor's `last_seen` (heartbeats) move on every answer although
# nothing changed. Counting them as a change would send an identical health event every run, each with a new `_time`;
# left out of the comparison, health is sent when something Vectra measured or reports changed (a status, a sensor,
# disk, memory, CPU, version) — still with the answer's own `event_timestamp` as `_time`. Lockdown keeps all its
# fields: an entry's lock and unlock times are what the lock is (a lock extended or renewed is a change to send).
HEALTH_CLOCK_FIELDS = frozenset({"event_timestamp", "updated_at", "gmt", "uptime", "last_seen"})


STREAMS = (
    Stream("audits", "audits", "Audits", "audits", "event_timestamp"),
    Stream("detections", "detections", "Detection events", "detections", "event_timestamp",
           {"include_info_category": "true", "include_triaged": "true"}),
    Stream("entity_scoring_host", "entity_scoring", "Entity scoring", "entity_scoring", "event_timestamp",
           {"type": "host", "include_score_decreases": "true"}),
    Stream("entity_scoring_account", "entity_scoring", "Entity scoring", "entity_scoring", "event_timestamp",
           {"type": "account", "include_score_decreases": "true"}),
    Stream("lockdown", "lockdown", "Lockdown", "lockdown", "lock_event_timestamp", paged=False),
    Stream("health", "health", "Health", "health", "event_timestamp", paged=False, clock_fields=HEALTH_CLOCK_FIELDS),
)
OPTIONS = list(dict.fromkeys(stream.option for stream in STREAMS))
MARKERS = list(dict.fromkeys(stream.marker for stream in STREAMS))


# --- settings -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CollectorSettings:
    connection: ConnectionSettings
    streams: tuple[Stream, ...]
    first_fetch: datetime
    max_events: int


def parse_streams(value: Any) -> tuple[Stream, ...]:
    chosen = argToList(value) if not isinstance(value, list) else value
    by_option = {option.lower(): option for option in OPTIONS}
    unknown = [str(item) for item in chosen if str(item).strip().lower() not in by_option]
    if unknown:
        raise SettingsError(f'"Event Streams" may contain only {", ".join(OPTIONS)}; got {", ".join(unknown)}.')
    selected = {by_option[str(item).strip().lower()] for item in chosen} or set(OPTIONS)
    return tuple(stream for stream in STREAMS if stream.option in selected)


def parse_max_events(value: Any) -> int:
    text = str(value if value not in (None, "") else DEFAULT_MAX_EVENTS).strip().replace(",", "")
    if not text.isdigit() or not 1 <= int(text) <= MAX_EVENTS_LIMIT:
        raise SettingsError(f'"Maximum events per stream per fetch" must be a whole number from 1 to {MAX_EVENTS_LIMIT:,}; '
                            f'got "{value}".')
    return int(text)


def parse_collector_settings(params: dict, now: datetime | None = None) -> CollectorSettings:
    now = now or datetime.now(timezone.utc)
    return CollectorSettings(
        connection=parse_connection(params),
        streams=parse_streams(params.get("event_streams")),
        first_fetch=parse_first_fetch(params.get("first_fetch") or "3 days", now),
        max_events=parse_max_events(params.get("max_events_per_fetch")),
    )


class CollectorClient(VectraBaseClient):
    """The shared client (VectraRUXApiModule) with the streams' endpoints."""

    def __init__(self, settings: CollectorSettings, budget: Budget, sleep: Callable[[float], None] = time.sleep):
        super().__init__(settings.connection, budget, BRAND, sleep)

    def snapshot(self, stream: Stream) -> Any:
        return self.request("GET", f"{API}/{stream.path}", params=stream.query or None)


# --- events ---------------------------------------------------------------------------------------------------------


def own_time(raw: Any, stream: Stream) -> datetime | None:
    """The event's own timestamp (the stream's `time_field`), or None when it has none that reads as a date."""
    return parse_timestamp(raw.get(stream.time_field)) if isinstance(raw, dict) else None


def xsiam_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def prepared(raw: Any, stream: Stream, collected: datetime, extra: dict | None = None) -> dict:
    """One event as XSIAM receives it: Vectra's fields as they came, `source_stream`, and `_time` — the event's own
    timestamp in UTC or, when it has no readable one, `collected` (when the collector read it). A value that is not a
    JSON object is kept under `raw`."""
    event = dict(raw) if isinstance(raw, dict) else {"raw": raw}
    return {**event, **(extra or {}), "source_stream": stream.marker,
            "_time": xsiam_time(own_time(raw, stream) or collected)}


def prepared_all(items: list, stream: Stream, collected: datetime, extra: dict | None = None) -> list[dict]:
    """`prepared` for each item; how many had no readable time of their own is logged, not each one."""
    timeless = sum(1 for item in items if own_time(item, stream) is None)
    if timeless:
        demisto.debug(f"[Events] {stream.key}: {timeless} of {len(items)} events have no readable {stream.time_field}; "
                      f"their _time is when they were collected")
    return [prepared(item, stream, collected, extra) for item in items]


def send(events: list[dict]) -> None:
    send_events_to_xsiam(events, VENDOR, PRODUCT, url_key="server_url", chunk_size=SEND_CHUNK_BYTES)


def save_stream_state(stream: Stream, state: dict) -> None:
    update_context_key(CONTEXT_STREAMS_KEY, lambda streams: {**(streams or {}), stream.key: state})


@dataclass
class StreamRun:
    """What one fetch-events run did with one stream."""

    stream: Stream
    sent: int = 0
    pages: int = 0
    caught_up: bool = False


def collect_paged(client: CollectorClient, settings: CollectorSettings, stream: Stream, state: dict, budget: Budget,
                  deliver: Callable[[list[dict]], None], now: datetime) -> StreamRun:
    """Page the stream from its checkpoint (the first time: from First Fetch Time) until it is caught up, the run's
    share of time for it is spent or Max Events were sent. Each page is delivered, then the checkpoint saved."""
    run = StreamRun(stream)
    checkpoint = as_int(state.get("cp"))
    while run.sent < settings.max_events and budget.allows(5):
        position: dict[str, Any] = ({"from": checkpoint} if checkpoint is not None
                                    else {"event_timestamp_gte": iso_utc(settings.first_fetch)})
        page = client.events_page(stream.path, **stream.query, **position,
                                  limit=min(EVENTS_PAGE_LIMIT, settings.max_events - run.sent))
        events = prepared_all(page["events"], stream, now)
        if events:
            deliver(events)
        following = as_int(page.get("next_checkpoint"))
        if events and following is not None and (checkpoint is None or following > checkpoint):
            checkpoint = following  # only past what XSIAM accepted (deliver raises otherwise)
            save_stream_state(stream, {"cp": checkpoint})
        run.sent, run.pages = run.sent + len(events), run.pages + 1
        if not page["events"] or not as_int(page.get("remaining_count")):
            run.caught_up = True
            break
    return run


def without_clocks(value: Any, clock_fields: frozenset) -> Any:
    if isinstance(value, dict):
        return {key: without_clocks(item, clock_fields) for key, item in value.items() if key not in clock_fields}
    if isinstance(value, list):
        return [without_clocks(item, clock_fields) for item in value]
    return value


def snapshot_digest(stream: Stream, snapshot: Any) -> str:
    """What the snapshot says (16 hex digits), without the fields that only say when Vectra looked (see
    HEALTH_CLOCK_FIELDS): the same digest means nothing to send. It is also the events' `snapshot_id`."""
    said = without_clocks(snapshot, stream.clock_fields)
    return hashlib.sha256(json.dumps(said, sort_keys=True).encode()).hexdigest()[:16]


def collect_snapshot(client: CollectorClient, stream: Stream, state: dict, deliver: Callable[[list[dict]], None],
                     now: datetime) -> StreamRun:
    """Send the snapshot when what it says differs from the last one sent: each item one event (health is one item)
    with its own `_time`, all carrying `snapshot_id`; an empty lockdown is one event with `snapshot_size` 0 (and
    `_time` = when it was collected), so "nothing locked" is recorded."""
    run = StreamRun(stream, caught_up=True, pages=1)
    snapshot = client.snapshot(stream)
    digest = snapshot_digest(stream, snapshot)
    if digest == state.get("digest"):
        return run
    items = snapshot if isinstance(snapshot, list) else [snapshot]
    extra = {"snapshot_id": digest, "snapshot_size": len(items)}
    events = prepared_all(items, stream, now, extra) or [prepared({}, stream, now, extra)]
    deliver(events)
    save_stream_state(stream, {"digest": digest})
    run.sent = len(events)
    return run


def fetch_events(client: CollectorClient, settings: CollectorSettings, now: datetime | None = None) -> list[StreamRun]:
    """One fetch-events run over every selected stream, each with an equal share of the time that is left."""
    now = now or datetime.now(timezone.utc)
    states = as_dict(read_context().get(CONTEXT_STREAMS_KEY))
    if not states:  # the context was lost: continue from the last run's copy, and make it the context's again
        states = as_dict(demisto.getLastRun().get(CONTEXT_STREAMS_KEY))
        if states:
            demisto.debug("[Events] no checkpoints in the integration context; continuing from the last run's copy")
            update_context_key(CONTEXT_STREAMS_KEY, lambda streams: {**states, **as_dict(streams)})
    runs: list[StreamRun] = []
    for position, stream in enumerate(settings.streams):
        state = as_dict(states.get(stream.key))
        share = Budget(max(0.0, client.budget.remaining() / (len(settings.streams) - position)))
        if stream.paged:
            runs.append(collect_paged(client, settings, stream, state, share, send, now))
        else:
            runs.append(collect_snapshot(client, stream, state, send, now))
    if not any(run.sent for run in runs):
        send([])  # nothing new: XSIAM still learns that the collector ran (eventsPulled 0)
    demisto.setLastRun({CONTEXT_STREAMS_KEY: as_dict(read_context().get(CONTEXT_STREAMS_KEY))})
    demisto.debug("[Events] " + "; ".join(f"{run.stream.key}: {run.sent} events in {run.pages} pages"
                                          f"{'' if run.caught_up else ', more to come'}" for run in runs))
    return runs


# --- commands -------------------------------------------------------------------------------------------------------


def get_events_command(client: CollectorClient, settings: CollectorSettings, args: dict) -> CommandResults:
    """Events of the selected streams (or one), from `since` (default: First Fetch Time), at most `limit` a stream;
    sent to XSIAM only with should_push_events=true. Checkpoints are not touched."""
    a = CommandArgs(args)
    push = a.boolean("should_push_events", False)
    limit = a.number("limit", 50, 1, EVENTS_PAGE_LIMIT)
    marker = a.choice("stream", MARKERS)
    since = a.timestamp("since") or iso_utc(settings.first_fetch)
    now = datetime.now(timezone.utc)
    collected: list[dict] = []
    sections = []
    for stream in (s for s in settings.streams if marker is None or s.marker == marker):
        if stream.paged:
            page = client.events_page(stream.path, **stream.query, event_timestamp_gte=since, limit=limit)
            events = prepared_all(page["events"], stream, now)
        else:
            snapshot = client.snapshot(stream)
            events = prepared_all(snapshot if isinstance(snapshot, list) else [snapshot], stream, now)
        collected += events[:limit]
        rows = [{"id": e.get("id"), "_time": e["_time"], "summary": event_summary(e)} for e in events[:limit]]
        sections.append(tableToMarkdown(f"{stream.option} ({stream.key}): {len(rows)} event(s)", rows,
                                        headers=["id", "_time", "summary"]))
    if push and collected:
        send(collected)
    pushed = f"Sent {len(collected)} event(s) to XSIAM." if push else "Shown only (should_push_events=false)."
    return CommandResults(readable_output="\n".join([*sections, pushed]), raw_response=collected)


def event_summary(event: dict) -> str:
    for key in ("message", "detection_type", "name", "entity_name"):
        if event.get(key):
            return str(event[key])[:120]
    return ", ".join(sorted(key for key in event if not key.startswith("_")))[:120]


def test_module(client: CollectorClient, settings: CollectorSettings) -> str:
    """`ok` when the credentials work and every selected stream answers."""
    client.authenticate()
    for stream in settings.streams:
        if stream.paged:
            client.events_page(stream.path, **stream.query, limit=1, event_timestamp_gte=iso_utc(settings.first_fetch))
        else:
            client.snapshot(stream)
    return "ok"


COMMANDS = ("test-module", "fetch-events", "vectra-rux-get-events")


def dispatch(command: str, params: dict, args: dict) -> None:
    settings = parse_collector_settings(params)
    budget = Budget(FETCH_TIME_BUDGET_S if command == "fetch-events" else COMMAND_TIME_BUDGET_S)
    client = CollectorClient(settings, budget)
    if command == "test-module":
        return_results(test_module(client, settings))
    elif command == "fetch-events":
        fetch_events(client, settings)
    else:
        return_results(get_events_command(client, settings, args))


def main() -> None:
    command = demisto.command()
    demisto.debug(f"[Main] command {command}")
    try:
        if command not in COMMANDS:
            raise NotImplementedError(f"The command {command} is not implemented by the Vectra RUX Event Collector.")
        dispatch(command, demisto.params(), demisto.args())
    except Exception as error:
        return_error(failure_message(command, error))


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
