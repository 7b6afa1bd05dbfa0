"""Names and vocabularies of the Vectra world: categories, detection types, roles, outcomes.

Detection categories appear in three spellings in the API: snake_case in the events stream (`command_and_control`),
short filter values on `/detections` (`command`), and upper-case display names in detection objects
(`COMMAND & CONTROL`).
"""

from typing import Any

CATEGORIES: dict[str, tuple[str, str, list[str], list[str]]] = {
    # events category: (detections filter value, detections display name, host detection types, account types)
    "command_and_control": (
        "command",
        "COMMAND & CONTROL",
        ["Hidden HTTPS Tunnel", "Hidden DNS Tunnel", "External Remote Access", "Suspicious Relay", "Multi-home Fronted Tunnel"],
        ["Azure AD Suspicious OAuth Application", "M365 Suspicious Power Automate Flow Creation"],
    ),
    "botnet_activity": (
        "botnet",
        "BOTNET ACTIVITY",
        ["Outbound DoS", "Cryptocurrency Mining", "Abnormal Ad Activity", "Peer-To-Peer"],
        ["AWS Cryptomining"],
    ),
    "reconnaissance": (
        "reconnaissance",
        "RECONNAISSANCE",
        ["Internal Darknet Scan", "Port Sweep", "Port Scan", "Suspicious LDAP Query", "RPC Recon", "SMB Account Scan"],
        ["AWS Organization Discovery", "Azure AD Unusual Scripting Engine Usage", "M365 Suspicious Mailbox Search"],
    ),
    "lateral_movement": (
        "lateral",
        "LATERAL MOVEMENT",
        ["Suspicious Remote Execution", "Suspicious Admin", "Automated Replication", "Ransomware File Activity",
         "SMB Brute-Force", "Shell Knocker"],
        ["Privilege Anomaly: Unusual Account on Host", "Azure AD Privilege Operation Anomaly",
         "Azure AD Redundant Access Creation", "AWS Lambda Hijacking"],
    ),
    "exfiltration": (
        "exfiltration",
        "EXFILTRATION",
        ["Data Smuggler", "Smash and Grab", "Hidden HTTP Tunnel"],
        ["M365 Unusual eDiscovery Search", "AWS S3 Enumeration", "O365 Ransomware"],
    ),
    "info": (
        "info",
        "INFO",
        ["Novel External Destination Port", "Novel Admin Protocol Usage"],
        ["Info: Azure AD Account Created", "Info: Novel MFA Action"],
    ),
}
CATEGORY_BY_FILTER = {short: snake for snake, (short, *_rest) in CATEGORIES.items()}

MITRE_BY_CATEGORY: dict[str, list[str]] = {
    "command_and_control": ["T1071", "T1572", "T1090"],
    "botnet_activity": ["T1496", "T1498"],
    "reconnaissance": ["T1046", "T1087", "T1018"],
    "lateral_movement": ["T1021", "T1078", "T1570"],
    "exfiltration": ["T1041", "T1567", "T1537"],
    "info": [],
}

INVESTIGATION_STATUSES = ["open", "acknowledged", "escalated", "paused", "closed", "expired"]
CLOSE_REASONS = ["benign", "remediated"]
DETECTION_STATES = ["active", "inactive", "fixed"]
IMPORTANCE_NAMES = {0: "Low", 1: "Medium", 2: "High"}
PRIORITY_THRESHOLD = 50  # urgency at or above which an entity is prioritized

USER_ROLES = {  # API filter value -> display name
    "admins": "Admin",
    "auditor": "Auditor",
    "global_analyst": "Global Analyst",
    "read_only": "Read-Only",
    "restricted_admins": "Restricted Admin",
    "security_analyst": "Security Analyst",
    "setting_admins": "Setting Admin",
    "super_admins": "Super Admin",
}

BUILTIN_OUTCOMES: list[dict[str, Any]] = [
    {"id": 1, "builtin": True, "user_selectable": True, "title": "Benign True Positive", "category": "benign_true_positive"},
    {"id": 2, "builtin": True, "user_selectable": True, "title": "Malicious True Positive",
     "category": "malicious_true_positive"},
    {"id": 3, "builtin": True, "user_selectable": True, "title": "False Positive", "category": "false_positive"},
]
OUTCOME_CATEGORIES = ["benign_true_positive", "malicious_true_positive", "false_positive"]

FIRST_NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj",
               "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yara"]
HOST_ROLES = ["laptop", "desktop", "srv", "dc", "db", "web", "jump", "build", "file", "mail"]
UNICODE_SUFFIXES = ["-ünïcødé", "-日本語", "-Ελληνικά", "-кириллица", "-🛡️"]
# Addresses and names a real tenant could own never appear in the synthetic world (test data and READMEs are recorded
# from it): external addresses come from the documentation ranges (RFC 5737), domains from reserved names (RFC 2606).
DOMAINS = ["example.com", "cdn-assets.example", "update-check.example", "files-share.example", "telemetry.example",
           "paste-site.example"]
DOCUMENTATION_NETWORKS = ["192.0.2", "198.51.100", "203.0.113"]
AWS_ACCOUNT = 100000000000  # accounts are 12 digits: AWS_ACCOUNT + an entity's number


def external_ip(first: int, last: int) -> str:
    """An outside address in a documentation range, from two random draws (the draws a world makes stay the same)."""
    return f"{DOCUMENTATION_NETWORKS[first % len(DOCUMENTATION_NETWORKS)]}.{last}"
PROTOCOLS = ["TCP", "UDP", "HTTPS", "DNS", "SMB", "SSH", "RDP", "LDAP"]
SENSORS = [("network", "Sensor-DC-1", "sensor-1"), ("network", "Sensor-HQ-2", "sensor-2"),
           ("azure_ad", "Azure AD", "azure-ad-1"), ("o365", "Microsoft 365", "m365-1"), ("aws", "AWS CloudTrail", "aws-1")]
