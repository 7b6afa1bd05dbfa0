import pytest

from tools.integration_readme import DOCUMENTED, build, context_example, lookup, parse_example


@pytest.mark.slow
@pytest.mark.parametrize("documented", DOCUMENTED, ids=[d.folder.name for d in DOCUMENTED])
def test_the_committed_readme_is_what_make_docs_writes(documented):
    assert documented.readme.read_text() == build(documented), "the integration README is stale: run `make docs`"


def test_examples_are_parsed_like_the_war_room():
    assert parse_example('!vectra-user-list role="Security Analyst" page=2') == (
        "vectra-user-list", {"role": "Security Analyst", "page": "2"})


def test_context_examples_nest_paths_and_keep_the_first_records():
    entry_context = {"Vectra.Detection(val.id && val.id == obj.id)": [{"id": 1}, {"id": 2}, {"id": 3}],
                     "Vectra.Investigation": {"columns": ["a", "b", "c"]}}
    assert context_example(entry_context) == {"Vectra": {"Detection": [{"id": 1}, {"id": 2}],
                                                         "Investigation": {"columns": ["a", "b", "c"]}}}


def test_placeholders_read_earlier_outputs():
    outputs = {"Vectra.Investigation": {"request_id": "r-1"}, "Vectra.Detection": [{"id": 7}]}
    assert lookup(outputs, "Vectra.Investigation.request_id") == "r-1"
    assert lookup(outputs, "Vectra.Detection.id") == 7
