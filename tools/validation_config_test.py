import re
from pathlib import Path

import tomllib

from tools.validation_config import graph_rules, needs_network, offline_config, sdk_config_path

ROOT = Path(__file__).resolve().parent.parent


def enabled_rules(config: dict) -> set[str]:
    rules = set()
    for section in config.values():
        if isinstance(section, dict):
            for key in ("select", "warning"):
                rules.update(section.get(key, []))
    return rules


def test_committed_config_is_the_sdk_list_minus_network_rules():
    assert (ROOT / "validation_config.toml").read_text() == offline_config(sdk_config_path().read_text())


def test_every_offline_rule_is_kept_and_every_network_rule_dropped():
    sdk = tomllib.loads(sdk_config_path().read_text())
    ours = tomllib.loads((ROOT / "validation_config.toml").read_text())
    sdk_rules, our_rules = enabled_rules(sdk), enabled_rules(ours)
    assert our_rules == {rule for rule in sdk_rules if not needs_network(rule)}
    assert not any(needs_network(rule) for rule in our_rules)
    assert len(ours["path_based_validations"]["select"]) > 150


def test_the_graph_rules_are_found_in_the_sdk():
    assert {"PA124", "PA133", "SC109", "LO100", "GR100"} <= graph_rules()
    assert not {"BA101", "IN131", "ST110"} & graph_rules()


def test_only_the_rule_lists_change():
    sdk_lines = sdk_config_path().read_text().splitlines()
    ours = (ROOT / "validation_config.toml").read_text().splitlines()
    removed = [line for line in sdk_lines if line not in ours]
    assert removed and all(any(needs_network(rule) for rule in re.findall(r'"([A-Z]{2}\d{3})"', line)) for line in removed)
