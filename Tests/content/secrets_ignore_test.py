"""What the packs' `.secrets-ignore` excuses from `demisto-sdk secrets` cannot be anyone's secret.

`make content-ci` runs `demisto-sdk secrets --ignore-entropy` with each pack's `.secrets-ignore`, as the content CI
does. Test data, tests and the READMEs generated from the emulator hold addresses, e-mails and URLs; each one the
secrets check flags is whitelisted only when it is plainly not real:
- an IP address that is not globally routable (private, documentation RFC 5737, loopback, link-local, ...);
- a URL or e-mail at a reserved name (RFC 2606: .example, .test, .invalid, .localhost, example.com/net/org) or at a
  non-global IP address;
- a value of the published Vectra RUX pack's own recorded test data (public in demisto/content already), which the
  compatibility tests replay unchanged: the `test_data/published_*` copies and the reference events sample;
- the check's own misreading of an AWS role ARN (`arn:aws:iam::100000000103:role/x` read as the address `::1000`).
Anything else in a whitelist fails here: replace the value in the data with a reserved one instead.
"""

import ipaddress
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
WHITELISTS = sorted((ROOT / "Packs").glob("*/.secrets-ignore"))
RESERVED_TLDS = (".example", ".test", ".invalid", ".localhost")
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
INTEGRATION_DATA = ROOT / "Packs" / "VectraRUX" / "Integrations" / "VectraRUX" / "test_data"
PUBLISHED_DATA = [*INTEGRATION_DATA.glob("published_*.json"), INTEGRATION_DATA / "events_detections_response.json"]
VENDOR_SITES = {"https://support.vectra.ai", "support@vectra.ai", "https://www.vectra.ai"}  # the vendor's public contacts


def not_global_ip(text: str) -> bool:
    try:
        return not ipaddress.ip_address(text).is_global
    except ValueError:
        return False


def reserved_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return (host.endswith(RESERVED_TLDS) or host in RESERVED_DOMAINS
            or any(host.endswith("." + domain) for domain in RESERVED_DOMAINS) or not_global_ip(host))


def plainly_not_real(value: str) -> bool:
    if not_global_ip(value):
        return True
    if re.fullmatch(r"[^@\s]+@[^@\s]+", value):
        return reserved_host(value.split("@", 1)[1])
    if re.match(r"https?://", value):
        return reserved_host(urlsplit(value).hostname or "")
    return False


def arn_fragment(value: str, packs_text: str) -> bool:
    """`::1000` cut out of `arn:aws:iam::1000...`: what the check reads as an IPv6 address in an ARN's account."""
    return bool(re.fullmatch(r"::[0-9a-f]{1,4}", value)) and f"arn:aws:iam{value}" in packs_text


def packs_text() -> str:
    return "\n".join(path.read_text(errors="ignore") for path in (ROOT / "Packs").rglob("*.json"))


def published_values() -> str:
    return "\n".join(path.read_text() for path in PUBLISHED_DATA)


@pytest.mark.parametrize("whitelist", WHITELISTS, ids=[path.parent.name for path in WHITELISTS])
def test_a_whitelist_excuses_only_values_that_cannot_be_a_secret(whitelist):
    published, text = published_values(), packs_text()
    suspicious = [value for value in whitelist.read_text().splitlines() if value and not plainly_not_real(value)
                  and value not in published and value not in VENDOR_SITES and not arn_fragment(value, text)]
    assert suspicious == [], f"{whitelist.relative_to(ROOT)} excuses values that could be real: {suspicious}"


@pytest.mark.parametrize(("value", "expected"), [
    ("10.0.0.6", True), ("203.0.113.7", True), ("fe80::1", True), ("8.8.8.8", False),
    ("victor.10@corp.example", True), ("jane@example.com", True), ("ceo@vectra.ai", False),
    ("https://tenant.portal.vectra.test", True), ("http://10.1.2.3", True), ("https://tenant.portal.vectra.ai", False),
])
def test_what_counts_as_plainly_not_real(value, expected):
    assert plainly_not_real(value) is expected
