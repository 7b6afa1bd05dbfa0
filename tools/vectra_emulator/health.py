"""The answer of `GET /health`: the brain's and its sensors' health, in the shape Vectra serves it.

What the answer says (statuses, traffic, disk, memory...) changes only when the world changes it
(`World.set_health`); its clocks move with every read, as a live appliance's do: `event_timestamp` (the answer's
time, ISO 8601 with milliseconds and `Z`), each subsystem's `updated_at` (its last check, once a minute,
`YYYY-MM-DD HH:MM:SS+00:00`), the brain's clock `system.version.gmt`, `system.uptime` and each sensor's heartbeat
`sensors[].last_seen` (frozen for a sensor that stopped). Objects keyed by names: `network.interfaces.brain` and
`network.interfaces.sensors.<luid>` (interfaces by name), `network.traffic.sensors` (by sensor name) and their
`interface_peak_traffic` (interfaces by name).
"""

from __future__ import annotations

import copy
import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

PLATFORM_VERSION = "9.1.0-4-18"  # the brain's software version (system.version.vectra_version)
SENSOR_ORIGINAL_VERSION = "8.6.0-11-30"
# The host-identification artifact sources Vectra counts (hostid.artifact_counts), `total` their sum.
ARTIFACT_SOURCES = ("TestEDR", "arsenic", "carbon_black", "cb_cloud", "clear_state", "cookie", "crowdstrike",
                    "cybereason", "dhcp", "dns", "end_time", "fireeye", "generic_edr", "idle_end", "idle_start",
                    "invalid", "kerberos", "kerberos_user", "mdns", "netbios", "proxy_ip", "rdns", "sentinelone", "split",
                    "src_port", "static_ip", "uagent", "vmachine_info", "windows_defender", "zpa_user")
BUSY_ARTIFACTS = ("dhcp", "dns", "idle_end", "idle_start", "kerberos", "mdns", "netbios", "uagent")


@dataclass(frozen=True)
class SensorUnit:
    """A paired network sensor: fixed identity, capture interfaces (the last one idle: an unused port)."""

    id: int
    name: str
    luid: str
    serial_number: str
    ip_address: str
    location: str
    ssh_tunnel_port: str
    public_key: str
    interfaces: tuple[str, ...]


@dataclass(frozen=True)
class Brain:
    serial_number: str
    ip_address: str
    booted: datetime
    last_update: datetime
    vlan_ids: tuple[str, ...]
    sensors: tuple[SensorUnit, ...]


def _hex(seed: str, length: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


def make_brain(seed: int, sensor_names: list[str], now: datetime) -> Brain:
    """The tenant's brain and sensors, the same for a seed and a start time."""
    rng = random.Random(f"{seed}-brain")
    units = []
    for index, name in enumerate(sensor_names, start=1):
        key_body = _hex(f"{seed}-{name}-key", 64)
        units.append(SensorUnit(
            id=index, name=name, luid=_hex(f"{seed}-{name}-luid", 8), serial_number="V" + _hex(f"{seed}-{name}", 32),
            ip_address=f"10.40.{index}.10", location=f"dc-row-{rng.randint(1, 9)}", ssh_tunnel_port=str(40200 + index),
            public_key=f"-----BEGIN PUBLIC KEY-----\n{key_body}\n-----END PUBLIC KEY-----\n",
            interfaces=tuple(f"eth{n}" for n in range(rng.randint(2, 3)))))
    return Brain(serial_number="X29" + _hex(f"{seed}-brain", 32), ip_address="10.40.0.5",
                 booted=now - timedelta(days=rng.randint(20, 200), minutes=rng.randint(0, 1439)),
                 last_update=now - timedelta(days=rng.randint(2, 19), minutes=rng.randint(0, 1439)),
                 vlan_ids=tuple(sorted({str(rng.choice([10, 20, 30, 40, 110, 120])) for _ in range(3)}, key=int)),
                 sensors=tuple(units))


def event_stamp(moment: datetime) -> str:
    moment = moment.astimezone(timezone.utc)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def checked_at(moment: datetime) -> str:
    return f"{moment.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S}+00:00"


def _ctime(moment: datetime) -> str:
    return f"{moment:%a %b} {moment.day:2d} {moment:%H:%M:%S %Y}"


def _uptime(span: timedelta) -> str:
    minutes = int(span.total_seconds()) // 60
    return f"{minutes // 1440} days, {minutes % 1440 // 60} hours, {minutes % 60} minutes"


# Seconds between a subsystem's check and the minute it ran in: the checks run one after another.
CHECK_LAG_S = {"memory": 2, "trafficdrop": 2, "cpu": 2, "hostid": 2, "network": 3, "disk": 3, "power": 2, "system": 4,
               "detection": 4, "connectivity": 2}


@dataclass
class HealthState:
    """What the health answer says since the last change, and when that change was."""

    brain: Brain
    changed: datetime
    down: str | None  # the sensor that stopped sending
    content: dict  # the answer without its clocks
    heartbeat_lag: dict[str, timedelta] = field(default_factory=dict)  # per sensor: last_seen behind the clock

    def answer(self, now: datetime) -> dict:
        """The answer read at `now`: the content with the clocks of that moment."""
        now = max(now.astimezone(timezone.utc), self.changed)
        checked = max(self.changed, now.replace(second=0, microsecond=0))
        answer = copy.deepcopy(self.content)
        for section, lag in CHECK_LAG_S.items():
            answer[section]["updated_at"] = checked_at(checked - timedelta(seconds=lag))
        answer["system"]["uptime"] = _uptime(now - self.brain.booted)
        answer["system"]["version"]["gmt"] = f"{checked - timedelta(seconds=7):%Y-%m-%dT%H:%M:%S.%f}Z"
        for sensor in answer["sensors"]:
            stopped = self.changed - timedelta(hours=2) if sensor["name"] == self.down else now
            sensor["last_seen"] = event_stamp(stopped - self.heartbeat_lag[sensor["name"]])
        answer["event_timestamp"] = event_stamp(now)
        return answer


def health_state(brain: Brain, now: datetime, rng: random.Random, sensor_down: bool = False, disk_percent: int = 41,
                 memory_percent: int = 63) -> HealthState:
    """The health from `now` on; with `sensor_down` the first sensor has stopped sending (no traffic, no metadata
    for the last hours, its detection model failing)."""
    now = now.astimezone(timezone.utc)
    down = brain.sensors[0].name if sensor_down and brain.sensors else None
    hour = now.replace(minute=0, second=0, microsecond=0)
    peaks: dict[str, dict[str, int]] = {}
    for unit in brain.sensors:
        peaks[unit.name] = {name: 0 if unit.name == down or index == len(unit.interfaces) - 1
                            else rng.randint(40, 900) for index, name in enumerate(unit.interfaces)}

    def trafficdrop(unit: SensorUnit) -> dict:
        active = {name: mbps for name, mbps in peaks[unit.name].items() if mbps}
        output: list = [f"{name} {mbps} Mbps" if mbps else {"error": f"{name} carries no traffic"}
                        for name, mbps in peaks[unit.name].items()]
        return {"name": unit.name, "status": "OK" if active else "WARNING",
                "error": ("Monitored interfaces have traffic volume within range" if active
                          else "Traffic volume dropped on every interface"),
                "serial_number": unit.serial_number, "luid": unit.luid, "ip_address": unit.ip_address, "output": output}

    def connectivity(unit: SensorUnit) -> dict:
        if unit.name == down:
            late = [hour - timedelta(hours=back) for back in (2, 1, 0)]
        else:
            late = [hour - timedelta(hours=back) for back in range(24, 0, -1) if rng.random() < 0.05]
        return {"name": unit.name, "status": "CRITICAL" if unit.name == down else "OK",
                "error": "metadata replication has stopped" if unit.name == down else "metadata replication seems fine",
                "serial_number": unit.serial_number, "luid": unit.luid, "ip_address": unit.ip_address,
                "affected_metadata_hours": [f"{moment:%Y-%m-%dT%H:%M:%S}Z" for moment in late], "output": {}}

    def paired(unit: SensorUnit) -> dict:
        return {"id": unit.id, "location": unit.location, "serial_number": unit.serial_number, "luid": unit.luid,
                "status": "paired", "version": PLATFORM_VERSION, "ip_address": unit.ip_address,
                "ssh_tunnel_port": unit.ssh_tunnel_port, "public_key": unit.public_key, "product_name": "DCS",
                "mode": "sensor", "headend_uri": brain.ip_address, "original_version": SENSOR_ORIGINAL_VERSION,
                "last_seen": None, "update_count": 3, "name": unit.name}

    counts = {name: rng.randint(1_000, 30_000) if name in BUSY_ARTIFACTS else 0 for name in ARTIFACT_SOURCES}
    counts["total"] = sum(counts.values())
    always = round(rng.uniform(10, 30), 2)
    sometimes = round(rng.uniform(1, 6), 2)
    memory_total, disk_total = 68_719_476_736, 2_000_000_000_000
    busy = memory_percent / 2
    user = round(busy * 0.7, 1)
    failing = [{"model": "HiddenHttpsTunnel", "status": "failing", "message": f"No traffic from {down} for 2 hours"}
               ] if down else [{"model": "all", "status": "passing", "message": "All detection models are healthy"}]
    content = {
        "memory": {"usage_percent": memory_percent, "free_bytes": memory_total * (100 - memory_percent) // 100,
                   "used_bytes": memory_total * memory_percent // 100, "total_bytes": memory_total},
        "trafficdrop": {"sensors": [trafficdrop(unit) for unit in brain.sensors]},
        "cpu": {"user_percent": user, "nice_percent": 0, "system_percent": round(busy - user, 1),
                "idle_percent": round(100 - busy, 1)},
        "hostid": {"artifact_counts": counts, "ip_always_percent": always, "ip_sometimes_percent": sometimes,
                   "ip_never_percent": round(100 - always - sometimes, 2)},
        "network": {
            "interfaces": {"brain": {"eth0": {"link": "UP"}},
                           "sensors": {unit.luid: {name: {"link": "DOWN" if unit.name == down else "UP"}
                                                   for name in unit.interfaces} for unit in brain.sensors}},
            "traffic": {"brain": {"aggregated_peak_traffic_mbps": 0, "interface_peak_traffic": {}},
                        "sensors": {name: {"aggregated_peak_traffic_mbps": sum(by_interface.values()),
                                           "interface_peak_traffic": {interface: {"peak_traffic_mbps": mbps}
                                                                      for interface, mbps in by_interface.items()}}
                                    for name, by_interface in peaks.items()}},
            "vlans": {"vlan_ids": list(brain.vlan_ids), "count": len(brain.vlan_ids)},
        },
        "disk": {
            "degraded_raid_volume": {"error": "", "output": "md0: clean", "status": "OK"},
            "disk_raid": {"error": "", "output": "2 of 2 disks active", "status": "OK"},
            "disk_utilization": {"free_bytes": disk_total * (100 - disk_percent) // 100, "total_bytes": disk_total,
                                 "usage_percent": disk_percent, "used_bytes": disk_total * disk_percent // 100},
            "raid_disks_missing": {"error": "", "output": "no disks missing", "status": "OK"},
        },
        "power": {"status": "OK", "error": "All power supplies are working",
                  "power_supplies": [{"source": "1"}, {"source": "2"}]},
        "system": {
            "uptime": None, "serial_number": brain.serial_number,
            "version": {"last_update": _ctime(brain.last_update),
                        "last_update_utc": f"{brain.last_update:%Y-%m-%dT%H:%M:%S}+00:00", "model": "X29",
                        "mode": "brain", "cloud_bridge": True, "gmt": None, "vm_type": "none",
                        "vectra_instance_type": "large", "vectra_version": PLATFORM_VERSION},
        },
        "sensors": [paired(unit) for unit in brain.sensors],
        "detection": {"name": "Detection", "detection_type": "network", "check_results": failing,
                      "status": "CRITICAL" if down else "OK",
                      "message": f"{len(failing)} detection model is failing" if down
                      else "All detection models are healthy"},
        "event_timestamp": None,
        "connectivity": {"sensors": [connectivity(unit) for unit in brain.sensors]},
    }
    lags = {unit.name: timedelta(seconds=rng.randint(5, 50), milliseconds=rng.randint(0, 999)) for unit in brain.sensors}
    return HealthState(brain, now, down, content, lags)
