import yaml

from tools.content_readmes import PACK, playbook_tasks, prose_by_name, readmes, table


def test_the_committed_readmes_are_what_make_docs_writes():
    stale = [str(path) for path, text in readmes().items() if not path.exists() or path.read_text() != text]
    assert stale == [], "stale READMEs: run `make docs`"


def test_every_script_and_playbook_has_its_prose():
    names = {yaml.safe_load(p.read_text())["name"] for p in [*PACK.glob("Scripts/*/*.yml"), *PACK.glob("Playbooks/*.yml")]}
    assert names == set(prose_by_name())


def test_cells_escape_pipes_and_newlines():
    assert table(["A"], [["x|y\nz"]]).splitlines()[-1] == "| x\\|y z |"


def test_playbook_tasks_name_what_each_task_runs():
    definition = {"tasks": {"0": {"type": "start", "task": {}},
                            "2": {"type": "regular", "task": {"name": "Describe", "script": "Brand|||vectra-detection-describe"}},
                            "10": {"type": "condition", "task": {"name": "Any?"}}}}
    assert playbook_tasks(definition) == [["2", "Describe", "regular", "vectra-detection-describe"],
                                          ["10", "Any?", "condition", "condition on the context"]]
