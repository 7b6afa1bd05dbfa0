"""Record the integration's unit-test data from the emulator: `python -m tools.record_test_data`.

Writes `Packs/VectraRUX/Integrations/VectraRUX/test_data/`: a token answer and the full detailed events stream of a
small seeded tenant, fetched over HTTP exactly as Vectra answers them (tokens replaced by fixed placeholders so
the files never change between recordings). `events_detections_response.json` is kept byte for byte in the shape
of the reference sample and is not rewritten here.
"""

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from tools.vectra_emulator import Emulator
from tools.vectra_emulator.fixtures import ApiSession

TEST_DATA = Path(__file__).resolve().parents[1] / "Packs" / "VectraRUX" / "Integrations" / "VectraRUX" / "test_data"
RECORDED_AT = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)


def write(name: str, data: object) -> None:
    if isinstance(data, list):  # one item a line: compact, and diffs stay readable
        text = "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False) for item in data) + "\n]\n"
    else:
        text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    (TEST_DATA / name).write_text(text)


def record_stream(api: ApiSession) -> list[dict]:
    events, checkpoint = [], None
    while True:
        params = {"limit": 1000, "size": "detailed", "include_info_category": "true", "include_triaged": "true"}
        if checkpoint is not None:
            params["from"] = checkpoint
        page = api.events(**params)
        events.extend(page["events"])
        checkpoint = page["next_checkpoint"]
        if page["remaining_count"] == 0:
            return events


def main() -> None:
    TEST_DATA.mkdir(parents=True, exist_ok=True)
    with Emulator(seed=21, entities=12, detections=30, events=160, now=RECORDED_AT, history_hours=24) as vectra:
        api = ApiSession(vectra)
        grant = api.authenticate()
        fixed_tokens = {"access_token": "recorded-access-token", "refresh_token": "recorded-refresh-token"}
        write("token_response.json", {**grant, **fixed_tokens})
        events = record_stream(api)
        base = vectra.url
        write("events_stream.json", json.loads(json.dumps(events).replace(base, "https://tenant.portal.vectra.ai")))
    sys.stdout.write(f"recorded {len(events)} events into {TEST_DATA}\n")


if __name__ == "__main__":
    main()
