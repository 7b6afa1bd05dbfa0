import re
from pathlib import Path

import tomllib

from tools.validation_config import needs_network, offline_config, sdk_config_path

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


def test_only_the_rule_lists_change():
    sdk_lines = sdk_config_path().read_text().splitlines()
    ours = (ROOT / "validation_config.toml").read_text().splitlines()
    removed = [line for line in sdk_lines if line not in ours]
    assert removed and all(re.search(r'"(GR\d{3}|DO103|PA124|PA133)"', line) for line in removed)
