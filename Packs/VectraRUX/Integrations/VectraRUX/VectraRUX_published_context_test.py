"""Same Vectra answer, same context as the published integration (demisto/content's VectraRUXEventsDetections).

Playbooks written for the published integration read its context: they test whether a key exists, loop over a list,
pick a record by its key. Each case of `test_data/published_contexts.json` replays a Vectra answer that the published
integration's tests use — recorded ones copied into `test_data/published_*_response.json`, the few they write
inline or that only their expectations describe in `test_data/published_reconstructed_answers.json` — through the
command, with the arguments those tests pass, and compares the whole EntryContext with the published expectation,
written there as facts: the context key (the published outputs_key_field), whether the command writes one record as
an object or a listing as a list, and the value (empty elements dropped as the published integration drops them).
"""

import json
from pathlib import Path

import pytest
from freezegun import freeze_time
from VectraRUX_commands_test import ERROR_ENTRY, SERVER, Platform, configured_instance, keep_integration_context

TEST_DATA = Path(__file__).parent / "test_data"
CASES = json.loads((TEST_DATA / "published_contexts.json").read_text())["cases"]
RECONSTRUCTED = json.loads((TEST_DATA / "published_reconstructed_answers.json").read_text())


def answer_body(answer: dict):
    """The Vectra answer a case replays: a recorded file (one item of it for files holding several answers), or one
    of the reconstructed answers."""
    if "reconstructed" in answer:
        return RECONSTRUCTED[answer["reconstructed"]]
    body = json.loads((TEST_DATA / answer["file"]).read_text())
    return body[answer["index"]] if "index" in answer else body


def cases_expecting(kind: str) -> list:
    return [pytest.param(case, id=case["id"]) for case in CASES if kind in case["expected"]]


@pytest.fixture
def platform(mocker, requests_mock) -> Platform:
    """The instance of the commands' tests: its parameters, an integration context kept in a dict, Vectra's token."""
    keep_integration_context(mocker)
    return configured_instance(mocker, requests_mock)


def replay(platform: Platform, requests_mock, case: dict) -> dict:
    """Run the case's command on its answers; the one entry it returns."""
    for answer in case["answers"]:
        requests_mock.register_uri(answer["method"], f"{SERVER}{answer['path']}", json=answer_body(answer))
    return platform.run(case["command"], case["args"])


@freeze_time("2023-09-05T12:00:00Z")  # when the answers were recorded: relative arguments ("2 days") count from here
@pytest.mark.parametrize("case", cases_expecting("key"))
def test_a_recorded_answer_leaves_the_published_context(platform, requests_mock, case):
    expected = case["expected"]
    entry = replay(platform, requests_mock, case)
    assert list(entry["EntryContext"]) == [expected["key"]]
    written = entry["EntryContext"][expected["key"]]
    assert isinstance(written, dict if expected["shape"] == "object" else list)
    assert written == expected["value"]


@pytest.mark.parametrize("case", cases_expecting("error"))
def test_a_refused_tag_change_is_an_error_that_leaves_no_context(platform, requests_mock, case):
    entry = replay(platform, requests_mock, case)
    assert entry["Type"] == ERROR_ENTRY and case["expected"]["error"] in entry["Contents"]
    assert not entry["EntryContext"]


def test_every_recorded_answer_is_replayed():
    """The recorded answers copied from the published tests are all in use: no command with a recorded answer is left
    out of the comparison."""
    recorded = {path.name for path in TEST_DATA.glob("published_*_response.json")}
    replayed = {answer["file"] for case in CASES for answer in case["answers"] if "file" in answer}
    assert replayed == recorded
    reconstructed = {answer["reconstructed"] for case in CASES for answer in case["answers"] if "reconstructed" in answer}
    assert reconstructed == set(RECONSTRUCTED) - {"about"}
