"""The part of the platform's CommonServerPython that this pack uses, written for local runs.

Behaviour is pinned by cases recorded from the platform's real module: `golden/runtime-golden.json` (pure helpers,
replayed by `CommonServerPython_test.py`) and `golden/runtime-golden-platform.json` (how the helpers talk to the
platform: integration context, mirror run, executeCommand, return_error, the XSIAM collector; replayed by
`CommonServerPython_platform_test.py`). Where no recording speaks, it follows `shared/reference/xsoar-platform.md`,
and the pack may not rely on it (`runtime_coverage_test.py`).
Pack code imports it exactly as on XSOAR: `from CommonServerPython import *`.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import random
import re
import sys
import time
import traceback
import uuid
from datetime import datetime, timezone
from typing import Any

import demistomock as demisto
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

STRING_TYPES = (str, bytes)
REQUESTS_TIMEOUT = 60
CONTEXT_UPDATE_RETRY_TIMES = 3

entryTypes = {
    "note": 1,
    "downloadAgent": 2,
    "file": 3,
    "error": 4,
    "pinned": 5,
    "userManagement": 6,
    "image": 7,
    "playgroundError": 8,
    "entryInfoFile": 9,
    "warning": 11,
    "map": 15,
    "widget": 17,
    "executionMetrics": 19,
}
formats = {
    "html": "html",
    "table": "table",
    "json": "json",
    "text": "text",
    "dbotResponse": "dbotCommandResponse",
    "markdown": "markdown",
}


class EntryType:
    NOTE = 1
    DOWNLOAD_AGENT = 2
    FILE = 3
    ERROR = 4
    PINNED = 5
    USER_MANAGEMENT = 6
    IMAGE = 7
    PLAYGROUND_ERROR = 8
    ENTRY_INFO_FILE = 9
    VIDEO_FILE = 10
    WARNING = 11
    STATIC_VIDEO_FILE = 12
    MAP_ENTRY_TYPE = 15
    WIDGET = 17
    EXECUTION_METRICS = 19


class EntryFormat:
    HTML = "html"
    TABLE = "table"
    JSON = "json"
    TEXT = "text"
    DBOT_RESPONSE = "dbotCommandResponse"
    MARKDOWN = "markdown"


class IncidentStatus:
    PENDING = 0
    ACTIVE = 1
    DONE = 2
    ARCHIVE = 3


class IncidentSeverity:
    UNKNOWN = 0
    INFO = 0.5
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


class DemistoException(Exception):
    def __init__(self, message: Any, exception: BaseException | None = None, res: Any = None, *args: Any):
        self.res = res
        self.message = message
        self.exception = exception
        super().__init__(message, exception, res, *args)

    def __str__(self) -> str:
        return str(self.message)


# --- argument helpers ---------------------------------------------------------------------------------------


def argToList(arg: Any, separator: str = ",", transform: Any = None) -> list:
    """A CSV string, a JSON list string, a list or a scalar, as a list (items of a CSV string are stripped)."""
    if not arg:
        return []
    items: list | None
    if isinstance(arg, list):
        items = arg
    elif isinstance(arg, str):
        items = None
        if arg.startswith("[") and arg.endswith("]"):
            try:
                items = json.loads(arg)
            except ValueError:
                items = None
        if items is None:
            items = [part.strip() for part in arg.split(separator)]
    else:
        items = [arg]
    items = items if isinstance(items, list) else [items]
    return [transform(item) for item in items] if transform else items


def argToBoolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.lower()
        if lowered in ("true", "yes"):
            return True
        if lowered in ("false", "no"):
            return False
    raise ValueError("Argument does not contain a valid boolean-like value")


def _missing(arg_name: str | None) -> ValueError:
    return ValueError(f'Missing "{arg_name}"' if arg_name else "Missing required argument")


def arg_to_number(arg: Any, arg_name: str | None = None, required: bool = False) -> int | None:
    if arg is None or arg == "":
        if required:
            raise _missing(arg_name)
        return None
    if isinstance(arg, bool):
        raise ValueError(f'Invalid number: "{arg_name}"="{arg}"')
    if isinstance(arg, int):
        return arg
    if isinstance(arg, str):
        try:
            return int(arg) if arg.isdigit() else int(float(arg))
        except (ValueError, OverflowError):
            pass
        if arg_name:
            raise ValueError(f'Invalid number: "{arg_name}"="{arg}"')
        raise ValueError(f'"{arg}" is not a valid number')
    raise ValueError(f'Invalid number: "{arg_name}"="{arg}"')


def arg_to_datetime(
    arg: Any, arg_name: str | None = None, is_utc: bool = True, required: bool = False, settings: dict | None = None
) -> datetime | None:
    """Epoch seconds or milliseconds, ISO 8601, or a relative phrase ("3 days") as a datetime."""
    if arg is None:
        if required:
            raise _missing(arg_name)
        return None
    if isinstance(arg, (int, float)) and not isinstance(arg, bool) or isinstance(arg, str) and arg.isdigit():
        seconds = float(arg)
        if seconds > 2000000000.0:
            seconds /= 1000.0
        if is_utc:
            return datetime.fromtimestamp(seconds, tz=timezone.utc)
        return datetime.fromtimestamp(seconds)
    if isinstance(arg, str):
        import dateparser  # imported here: it is slow to load and most commands never need it

        parsed = dateparser.parse(arg, settings=settings or {"TIMEZONE": "UTC"})
        if parsed is not None:
            return parsed
    if arg_name:
        raise ValueError(f'Invalid date: "{arg_name}"="{arg}"')
    raise ValueError(f'"{arg}" is not a valid date')


def assign_params(keys_to_ignore: Any = None, values_to_ignore: Any = None, **kwargs: Any) -> dict:
    ignored_values = (None, "", [], {}, ()) if values_to_ignore is None else values_to_ignore
    ignored_keys = keys_to_ignore or ()
    return {key: value for key, value in kwargs.items() if value not in ignored_values and key not in ignored_keys}


def _is_empty_element(value: Any) -> bool:
    return value is None or value == {} or value == []


def remove_empty_elements(d: Any) -> Any:
    """Drop None, {} and [] recursively (empty strings, 0 and False stay)."""
    if isinstance(d, list):
        cleaned = (remove_empty_elements(item) for item in d)
        return [item for item in cleaned if not _is_empty_element(item)]
    if isinstance(d, dict):
        pairs = ((key, remove_empty_elements(value)) for key, value in d.items())
        return {key: value for key, value in pairs if not _is_empty_element(value)}
    return d


def remove_nulls_from_dictionary(data: dict) -> None:
    for key in [key for key, value in data.items() if value in (None, "", [], {}, ())]:
        del data[key]


def urljoin(url: str, suffix: str = "") -> str:
    if not url.endswith("/"):
        url += "/"
    return url + (suffix[1:] if suffix.startswith("/") else suffix)


def dict_safe_get(
    dict_object: Any, keys: list, default_return_value: Any = None, return_type: Any = None, raise_return_type: bool = True
) -> Any:
    value = dict_object
    for key in keys:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            return default_return_value
    if return_type and not isinstance(value, return_type):
        if raise_return_type:
            raise TypeError(f"Safe get Error:\nDetails: Return Type Error Excepted return type {return_type}, but actual type from nested dict/list is {type(value)} with value {value}.\nQuery: {keys}\nQueried object: {dict_object}")  # noqa: E501
        return default_return_value
    return value


def timestamp_to_datestring(timestamp: Any, date_format: str = "%Y-%m-%dT%H:%M:%S.000Z", is_utc: bool = False) -> str:
    seconds = int(timestamp) / 1000.0
    if is_utc or date_format.endswith("Z"):
        return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime(date_format)
    return datetime.fromtimestamp(seconds).strftime(date_format)


def string_to_table_header(string: str) -> str:
    if not isinstance(string, str):
        raise Exception(f"The key is not a string: {string}")
    return string.replace("_", " ").title()


def pascalToSpace(s: Any) -> Any:
    """`DetectionTypeName` -> `Detection Type Name` (capitalised runs such as `IP` stay one word)."""
    if not isinstance(s, str):
        return s
    spaced = re.sub(r"([A-Z]?[a-z]+)", lambda m: f" {m.group(1).title()} ", s)
    return " ".join(spaced.split())


# --- markdown tables ----------------------------------------------------------------------------------------


def _flatten_value(value: Any, is_pretty: bool = True) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, list):
        return ",\n".join(_flatten_value(item, is_pretty) if isinstance(item, (str, bytes)) else str(item) for item in value)
    return json.dumps(value, indent=4 if is_pretty else None, ensure_ascii=False)


def formatCell(data: Any, is_pretty: bool = True, json_transformer: Any = None) -> str:
    if isinstance(data, str):
        return data
    if isinstance(data, dict):
        return "\n".join(f"{key}: {_flatten_value(value, is_pretty)}" for key, value in data.items())
    return _flatten_value(data, is_pretty)


def stringEscapeMD(st: str, minimal_escaping: bool = False, escape_multiline: bool = False) -> str:
    if escape_multiline:
        st = st.replace("\r\n", "<br>").replace("\r", "<br>").replace("\n", "<br>")
    if minimal_escaping:
        return st.replace("|", "\\|")
    for char in "\\`*_{}[]()#+-!|":
        st = st.replace(char, "\\" + char)
    return st


def create_clickable_url(url: Any, text: Any = None) -> Any:
    if not url:
        return None
    if isinstance(url, list):
        return [f"[{text or item}]({item})" for item in url]
    return f"[{text or url}]({url})"


def _table_rows(t: Any, headers: list) -> tuple[list, list]:
    """Normalise the accepted shapes of `t` into (list of dict rows, headers)."""
    if isinstance(t, dict) and len(t) == 1 and not headers:
        # A single key becomes one column with an element per row.
        headers = list(t.keys())
        t = next(iter(t.values()))
    rows = t if isinstance(t, list) else [t]
    if rows and not isinstance(rows[0], dict):
        if not headers:
            raise Exception("Missing headers param for tableToMarkdown. Example: headers=['Some Header']")
        rows = [{headers[0]: item} for item in rows]
    return rows, headers


def tableToMarkdown(
    name: str,
    t: Any,
    headers: Any = None,
    headerTransform: Any = None,
    removeNull: bool = False,
    metadata: str | None = None,
    url_keys: list | None = None,
    date_fields: list | None = None,
    json_transform_mapping: Any = None,
    is_auto_json_transform: bool = False,
    sort_headers: bool = True,
) -> str:
    markdown = f"### {name}\n" if name else ""
    if metadata:
        markdown += metadata + "\n"
    headers = [headers] if isinstance(headers, str) else list(headers or [])
    rows, headers = _table_rows(t, headers)
    if not rows:
        return markdown + "**No entries.**\n"
    if not headers:
        headers = list(rows[0].keys())
        if sort_headers:
            headers.sort()
    if removeNull:
        headers = [h for h in headers if not all(row.get(h) in ("", None, [], {}) for row in rows)]
    if not headers:
        return markdown + "**No entries.**\n"
    transform = headerTransform or (lambda header: header)
    markdown += "|" + "|".join(transform(header) for header in headers) + "|\n"
    markdown += "|" + "|".join("---" for _ in headers) + "|\n"
    for row in rows:
        row = dict(row)
        for key in url_keys or []:
            if key in row:
                row[key] = create_clickable_url(row[key])
        for key in date_fields or []:
            if isinstance(row.get(key), (int, float)) and not isinstance(row.get(key), bool):
                row[key] = timestamp_to_datestring(row[key], "%Y-%m-%d %H:%M:%S", is_utc=True)
        cells = [stringEscapeMD(formatCell(row[h], False), True, True) if row.get(h) is not None else "" for h in headers]
        markdown += "| " + " | ".join(cells) + " |\n"
    return markdown


tblToMd = tableToMarkdown


# --- entries ------------------------------------------------------------------------------------------------


class CommandResults:
    def __init__(
        self,
        outputs_prefix: str | None = None,
        outputs_key_field: Any = None,
        outputs: Any = None,
        indicators: Any = None,
        readable_output: str | None = None,
        raw_response: Any = None,
        indicators_timeline: Any = None,
        indicator: Any = None,
        ignore_auto_extract: bool = False,
        mark_as_note: bool = False,
        scheduled_command: Any = None,
        relationships: list | None = None,
        entry_type: int | None = None,
        content_format: str | None = None,
        execution_metrics: Any = None,
        replace_existing: bool = False,
        tags: list | None = None,
    ):
        if outputs is not None and not isinstance(outputs, dict) and not outputs_prefix:
            raise ValueError("outputs_prefix is missing")
        if replace_existing and (not outputs_prefix or "." not in outputs_prefix):
            raise DemistoException("replace_existing requires an outputs_prefix with a '.' in it")
        self.outputs_prefix = outputs_prefix
        if isinstance(outputs_key_field, str):
            outputs_key_field = [outputs_key_field]
        self.outputs_key_field = list(outputs_key_field or [])
        self.outputs = outputs
        self.readable_output = readable_output
        self.raw_response = outputs if raw_response is None else raw_response
        self.indicators_timeline = indicators_timeline
        self.ignore_auto_extract = ignore_auto_extract
        self.mark_as_note = mark_as_note
        self.relationships = relationships or []
        self.entry_type = EntryType.NOTE if entry_type is None else entry_type
        self.content_format = content_format
        self.execution_metrics = execution_metrics
        self.replace_existing = replace_existing
        self.tags = tags

    def _entry_context(self) -> dict:
        if self.outputs is None or self.outputs == []:
            return {}
        if self.outputs_prefix and self.outputs_key_field:
            condition = " && ".join(f"val.{key} && val.{key} == obj.{key}" for key in self.outputs_key_field)
            return {f"{self.outputs_prefix}({condition})": self.outputs}
        if self.outputs_prefix and self.replace_existing:
            path, _, key = self.outputs_prefix.rpartition(".")
            return {f"{path}(true)": {key: self.outputs}}
        if self.outputs_prefix:
            return {self.outputs_prefix: self.outputs}
        return dict(self.outputs)

    def _human_readable(self) -> Any:
        if self.readable_output:
            return self.readable_output
        if self.outputs is None or self.outputs == []:
            return None
        if isinstance(self.outputs, str):
            return self.outputs
        return tableToMarkdown("Results", self.outputs)

    def to_context(self) -> dict:
        content_format = self.content_format
        if content_format is None:
            is_text = isinstance(self.raw_response, (str, int)) and not isinstance(self.raw_response, bool)
            content_format = EntryFormat.TEXT if is_text else EntryFormat.JSON
        entry = {
            "Type": self.entry_type,
            "ContentsFormat": content_format,
            "Contents": self.raw_response,
            "HumanReadable": self._human_readable(),
            "EntryContext": self._entry_context(),
            "IndicatorTimeline": self.indicators_timeline or [],
            "IgnoreAutoExtract": bool(self.ignore_auto_extract),
            "Note": bool(self.mark_as_note),
            "Relationships": self.relationships,
        }
        if self.tags:
            entry["Tags"] = self.tags
        return entry


def return_results(results: Any) -> None:
    if results is None:
        demisto.results(None)
        return
    if isinstance(results, list):
        plain = []
        for result in results:
            if isinstance(result, CommandResults):
                demisto.results(result.to_context())
            else:
                plain.append(result)
        if plain:
            demisto.results(plain)
        return
    if isinstance(results, CommandResults):
        demisto.results(results.to_context())
    elif isinstance(results, GetRemoteDataResponse):
        demisto.results(results.extract_for_local())
    elif isinstance(results, GetModifiedRemoteDataResponse):
        demisto.results(results.to_entry())
    elif isinstance(results, GetMappingFieldsResponse):
        demisto.results(results.extract_mapping())
    else:
        demisto.results(results)


_SERVER_HANDLED_COMMANDS = ("fetch-incidents", "fetch-credentials", "long-running-execution", "fetch-indicators")
MAX_ERROR_MESSAGE_LENGTH = 50000
TRUNCATED_MARKER = "...This error body was truncated..."


def _truncated(message: str) -> str:
    """Very long errors keep their first and last halves (recorded: return_error-long)."""
    if len(message) <= MAX_ERROR_MESSAGE_LENGTH:
        return message
    half = MAX_ERROR_MESSAGE_LENGTH // 2
    return message[:half] + TRUNCATED_MARKER + message[-half:]


def return_error(message: Any, error: Any = "", outputs: Any = None) -> None:
    """Report an error and end the run. Server-handled commands (fetch-incidents) raise instead, so the server records
    the failure; get-modified-remote-data's error starts with "skip update" so the mirroring job skips this cycle."""
    message = _truncated(str(message))
    demisto.error(message)
    if error:
        demisto.error(str(error))
    command = demisto.command()
    if command in _SERVER_HANDLED_COMMANDS:
        raise Exception(message)
    if command == "get-modified-remote-data":
        message = f"skip update. error: {message}"
    demisto.results(
        {"Type": entryTypes["error"], "ContentsFormat": formats["text"], "Contents": message, "EntryContext": outputs}
    )
    sys.exit(0)


def return_warning(
    message: Any, exit: bool = False, warning: Any = "", outputs: Any = None, ignore_auto_extract: bool = False
) -> None:
    demisto.debug(str(message))
    if warning:
        demisto.debug(str(warning))
    demisto.results(
        {
            "Type": entryTypes["warning"],
            "ContentsFormat": formats["text"],
            "IgnoreAutoExtract": ignore_auto_extract,
            "Contents": str(message),
            "EntryContext": outputs,
        }
    )
    if exit:
        sys.exit(0)


def fileResult(filename: str, data: Any, file_type: int | None = None) -> dict:
    """Write `data` where the platform collects files and return the file entry that points at it."""
    file_id = str(uuid.uuid4())
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(f"{demisto.investigation()['id']}_{file_id}", "wb") as handle:
        handle.write(data)
    return {
        "Contents": "",
        "ContentsFormat": formats["text"],
        "Type": entryTypes["file"] if file_type is None else file_type,
        "File": filename,
        "FileID": file_id,
    }


DEBUG_ENTRY_TYPE = 16  # the log entry a command adds in debug mode: not part of its contents (exec-debug-entry)


def isError(entry: Any) -> bool:
    return isinstance(entry, dict) and entry.get("Type") == entryTypes["error"]


def is_error(execute_command_result: Any) -> bool:
    if not execute_command_result:
        return False
    if isinstance(execute_command_result, list):
        return any(isError(entry) for entry in execute_command_result)
    return isError(execute_command_result)


def get_error(execute_command_result: Any) -> str:
    """The error entries' contents, one per line (a None content raises TypeError, as recorded)."""
    entries = execute_command_result if isinstance(execute_command_result, list) else [execute_command_result]
    return "\n".join(entry.get("Contents") for entry in entries if isError(entry))


def execute_command(command: str, args: dict, extract_contents: bool = True, fail_on_error: bool = True) -> Any:
    """Run a command through the server. An error entry raises DemistoException (or, with fail_on_error=False,
    returns (False, error)); the result is the entries' contents (one: unwrapped), or the raw entries."""
    res = demisto.executeCommand(command, args)
    if is_error(res):
        message = get_error(res)
        if fail_on_error:
            raise DemistoException(f"Failed to execute {command}. Error details:\n{message}")
        return False, message
    result = res
    if extract_contents:
        contents = [entry.get("Contents", {}) for entry in res if entry.get("Type") != DEBUG_ENTRY_TYPE]
        result = contents[0] if len(contents) == 1 else contents
    return result if fail_on_error else (True, result)


# --- integration context and mirror run ---------------------------------------------------------------------


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version or "")[:3])


def _server_version_ge(version: str) -> bool:
    return _version_tuple(demisto.demistoVersion().get("version") or "0") >= _version_tuple(version)


def _versioned_context() -> bool:
    return _server_version_ge("6.0.0")


def get_integration_context(sync: bool = True, with_version: bool = False) -> dict:
    """The stored context, values as stored; with_version: {"context", "version"} (servers before 6.0: the context)."""
    if not _versioned_context():
        return demisto.getIntegrationContext()
    versioned = demisto.getIntegrationContextVersioned(sync)
    return versioned if with_version else versioned.get("context", {})


def get_integration_context_with_version(sync: bool = True) -> tuple[dict, int]:
    if not _versioned_context():
        return demisto.getIntegrationContext(), -1
    versioned = demisto.getIntegrationContextVersioned(sync)
    return versioned.get("context", {}), versioned.get("version", 0)


def set_integration_context(context: dict, sync: bool = True, version: int = -1) -> Any:
    """Replace the whole context; a version other than -1 must match the stored one, else ValueError."""
    if not _versioned_context():
        return demisto.setIntegrationContext(context)
    return demisto.setIntegrationContextVersioned(context, version, sync)


def _merge_by_key(current: list, changes: list, key: str) -> list:
    """Items of `changes` replace the item with the same `key`, are appended, or (`remove: true`) delete it."""
    merged = list(current)
    for change in changes:
        position = next((i for i, item in enumerate(merged) if item.get(key) == change.get(key)), None)
        if change.get("remove"):
            if position is not None:
                del merged[position]
        elif position is None:
            merged.append(change)
        else:
            merged[position] = change
    return merged


def update_integration_context(context: dict, object_keys: dict | None = None, sync: bool = True) -> tuple[dict, int]:
    """The stored context with `context` merged in, and its version (nothing is written). Every merged key is stored
    as a JSON string: an existing value is read with json.loads (a non-string value raises TypeError), objects are
    merged into it, lists named in `object_keys` are merged item by item on that key."""
    object_keys = object_keys or {}
    stored, version = get_integration_context_with_version(sync)
    merged = dict(stored)
    for key, value in context.items():
        current = json.loads(stored[key]) if key in stored else None
        if key in object_keys:
            value = _merge_by_key(current or [], value, object_keys[key])
        elif isinstance(value, dict) and isinstance(current, dict):
            value = {**current, **value}
        merged[key] = json.dumps(value)
    return merged, version


def set_to_integration_context_with_retries(
    context: dict, object_keys: dict | None = None, sync: bool = True, max_retry_times: int = CONTEXT_UPDATE_RETRY_TIMES
) -> None:
    """update_integration_context, then a versioned write; a lost race is retried from a fresh read."""
    for attempt in range(max_retry_times):
        merged, version = update_integration_context(context, object_keys, sync)
        try:
            set_integration_context(merged, sync, version)
            return
        except ValueError as error:
            demisto.debug(f"Integration context update lost a race (attempt {attempt + 1}): {error}")
            time.sleep(random.randint(1, 100) / 1000)  # noqa: S311 - jitter
    raise Exception("Failed updating integration context. Max retry attempts exceeded.")


def get_last_mirror_run() -> dict:
    if not _server_version_ge("6.6.0"):
        raise DemistoException("You cannot use getLastMirrorRun as your version is below 6.6.0")
    return demisto.getLastMirrorRun() or {}


def set_last_mirror_run(last_mirror_run: dict) -> None:
    if not _server_version_ge("6.6.0"):
        raise DemistoException("You cannot use setLastMirrorRun as your version is below 6.6.0")
    demisto.setLastMirrorRun(last_mirror_run)


# --- unified scripts and batches ----------------------------------------------------------------------------


def __line__() -> int:
    """The caller's line number: unified scripts pass it to register_module_line (demisto-sdk writes those calls)."""
    frame = sys._getframe(1)
    return frame.f_lineno

_MODULE_LINES: dict[str, dict[str, int]] = {}


def register_module_line(module_name: str, start_end: str, line: int, wrapper: int = 0) -> None:
    """Where an inlined module (an API module) starts and ends in a unified script, for error line numbers; never
    fails the script, whatever it is given."""
    if start_end not in ("start", "end") or not isinstance(line, int):
        demisto.debug(f"register_module_line: ignored {module_name!r} {start_end!r} {line!r}")
        return
    _MODULE_LINES.setdefault(module_name, {})[start_end] = line + wrapper


def batch(iterable: Any, batch_size: int = 1) -> Any:
    """The items in lists of `batch_size` (the last one shorter)."""
    items = list(iterable)
    for start in range(0, len(items), batch_size):
        yield items[start:start + batch_size]


# --- XSIAM --------------------------------------------------------------------------------------------------

XSIAM_EVENT_CHUNK_SIZE = 2 ** 20
XSIAM_ATTEMPTS = 3


def _event_chunks(lines: list[str], chunk_size: int) -> Any:
    """Lines in chunks: a chunk is closed once its size (as Python counts string objects) reaches chunk_size."""
    chunk: list[str] = []
    size = 0
    for line in lines:
        if size >= chunk_size:
            yield chunk
            chunk, size = [], 0
        chunk.append(line)
        size += sys.getsizeof(line)
    if chunk:
        yield chunk


def _collector_error(res: requests.Response) -> str | None:
    """Why the collector refused a batch: the HTTP reason, or the `error` of a 200 answer; None when accepted."""
    if not res.ok:
        return res.reason or str(res.status_code)
    try:
        body = res.json()
    except ValueError:
        return f"the collector did not answer JSON: {res.text[:200]}"
    error = body.get("error") if isinstance(body, dict) else None
    return None if str(error).lower() == "false" else str(error)


def send_events_to_xsiam(
    events: Any,
    vendor: str,
    product: str,
    data_format: str | None = None,
    url_key: str = "url",
    num_of_attempts: int = XSIAM_ATTEMPTS,
    chunk_size: int = XSIAM_EVENT_CHUNK_SIZE,
    should_update_health_module: bool = True,
    add_proxy_to_request: bool = False,
    multiple_threads: bool = False,
) -> None:
    """POST events to the tenant's HTTP collector, gzipped, one per line (dicts as JSON), in chunks; a 429 is tried
    again up to num_of_attempts times, any other refusal raises DemistoException. Then reports eventsPulled."""
    lines = events.split("\n") if isinstance(events, str) else [
        json.dumps(event) if isinstance(event, dict) else str(event) for event in events]
    lines = [line for line in lines if line]
    if lines:
        if data_format is None:
            data_format = "json" if not isinstance(events, str) and isinstance(events[0], dict) else "text"
        token = demisto.getLicenseCustomField("Http_Connector.token")
        domain = demisto.getLicenseCustomField("Http_Connector.url")
        calling = demisto.callingContext.get("context") or {}
        headers = remove_empty_elements({
            "authorization": token, "format": data_format, "product": product, "vendor": vendor,
            "content-encoding": "gzip", "collector-name": calling.get("IntegrationBrand", ""),
            "instance-name": calling.get("IntegrationInstance", ""),
            "final-reporting-device": demisto.params().get(url_key), "collector-type": "events",
        })
        url = f"https://api-{domain}/logs/v1/xsiam"
        client = BaseClient(base_url=f"https://api-{domain}", proxy=add_proxy_to_request)  # as the platform posts
        for chunk in _event_chunks(lines, chunk_size):
            body = gzip.compress("\n".join(chunk).encode("utf-8"))
            for attempt in range(1, num_of_attempts + 1):
                res = client._http_request("POST", full_url=url, data=body, headers=headers, resp_type="response",
                                           ok_codes=tuple(range(100, 600)), timeout=REQUESTS_TIMEOUT)
                if res.status_code != 429 or attempt == num_of_attempts:
                    break
                time.sleep(attempt)
            error = _collector_error(res)
            if error:
                demisto.error(f"Error sending new events into XSIAM: {res.status_code} {error}")
                raise DemistoException(f"Error sending new events into XSIAM.\n{error}")
    if should_update_health_module:
        demisto.updateModuleHealth({"eventsPulled": len(lines)}, False)


# --- mirroring ----------------------------------------------------------------------------------------------


class GetRemoteDataArgs:
    def __init__(self, args: dict):
        self.remote_incident_id = args["id"]
        self.last_update = args["lastUpdate"]


class GetModifiedRemoteDataArgs:
    def __init__(self, args: dict):
        self.last_update = args["lastUpdate"]


class UpdateRemoteSystemArgs:
    def __init__(self, args: dict):
        self.data = args.get("data")
        self.entries = args.get("entries")
        self.incident_changed = args.get("incidentChanged")
        self.remote_incident_id = args.get("remoteId")
        self.inc_status = args.get("status")
        self.delta = args.get("delta")


class GetRemoteDataResponse:
    def __init__(self, mirrored_object: dict, entries: list):
        self.mirrored_object = mirrored_object
        self.entries = entries

    def extract_for_local(self) -> list | None:
        if not self.mirrored_object:
            return None
        demisto.info(f"Updating object {self.mirrored_object.get('id')}")
        return [self.mirrored_object] + list(self.entries)


class GetModifiedRemoteDataResponse:
    def __init__(self, modified_incident_ids: list):
        self.modified_incident_ids = modified_incident_ids

    def to_entry(self) -> dict:
        demisto.info(f"Modified incidents: {self.modified_incident_ids}")
        return {"Contents": self.modified_incident_ids, "Type": EntryType.NOTE, "ContentsFormat": EntryFormat.JSON}


class SchemeTypeMapping:
    def __init__(self, type_name: str = "", fields: dict | None = None):
        self.type_name = type_name
        self.fields = fields if fields else {}

    def add_field(self, name: str, description: str = "") -> None:
        self.fields[name] = description

    def extract_mapping(self) -> dict:
        return {self.type_name: self.fields}


class GetMappingFieldsResponse:
    def __init__(self, scheme_types_mappings: list | None = None):
        self.scheme_types_mappings = scheme_types_mappings if scheme_types_mappings else []

    def add_scheme_type(self, scheme_type_mapping: SchemeTypeMapping) -> None:
        self.scheme_types_mappings.append(scheme_type_mapping)

    def extract_mapping(self) -> dict:
        mapping: dict = {}
        for scheme_type in self.scheme_types_mappings:
            mapping.update(scheme_type.extract_mapping())
        return mapping


# --- HTTP ---------------------------------------------------------------------------------------------------


def _configured_timeout(timeout: float | None) -> float:
    """As the platform decides it: `REQUESTS_TIMEOUT.<integration brand>`, else `REQUESTS_TIMEOUT` (both set by the
    server's administrator), else the timeout the integration asked for, else 60 seconds."""
    brand = (demisto.callingContext.get("context") or {}).get("IntegrationBrand") or ""
    configured = os.environ.get(f"REQUESTS_TIMEOUT.{brand}", "") if brand else ""
    return float(configured or os.environ.get("REQUESTS_TIMEOUT", "") or timeout or REQUESTS_TIMEOUT)


class BaseClient:
    """The platform's HTTP client base: one `requests.Session`, proxy/verify handling and friendly errors."""

    def __init__(
        self,
        base_url: str,
        verify: bool = True,
        proxy: bool = False,
        ok_codes: tuple = (),
        headers: dict | None = None,
        auth: Any = None,
        timeout: float | None = None,
    ):
        self._base_url = base_url
        self._verify: bool | str = verify
        self._ok_codes = ok_codes
        self._headers = headers
        self._auth = auth
        self.timeout = _configured_timeout(timeout)
        self._session = requests.Session()
        if not proxy:
            # Unchecked "Use system proxy settings": the environment's proxies must not apply.
            self._session.trust_env = False
            if verify:
                self._verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # the session may already be gone at interpreter shutdown
            self._session.close()

    def _implement_retry(
        self,
        retries: int = 0,
        status_list_to_retry: Any = None,
        backoff_factor: float = 5,
        raise_on_redirect: bool = False,
        raise_on_status: bool = False,
        backoff_jitter: float = 0.0,
    ) -> None:
        retry = Retry(
            total=retries,
            read=retries,
            connect=retries,
            status=retries,
            backoff_factor=backoff_factor,
            backoff_jitter=backoff_jitter,
            status_forcelist=status_list_to_retry,
            allowed_methods=frozenset(["GET", "POST", "PUT", "PATCH", "DELETE"]),
            raise_on_status=raise_on_status,
            raise_on_redirect=raise_on_redirect,
        )
        adapter = HTTPAdapter(max_retries=retry)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def _is_status_code_valid(self, response: requests.Response, ok_codes: Any = None) -> bool:
        codes = ok_codes or self._ok_codes
        return response.status_code in codes if codes else response.ok

    @staticmethod
    def client_error_handler(res: requests.Response) -> None:
        message = f"Error in API call [{res.status_code}] - {res.reason}"
        try:
            message += "\n" + json.dumps(res.json())
        except ValueError:
            message += "\n" + res.text
        raise DemistoException(message, res=res)

    def _http_request(
        self,
        method: str,
        url_suffix: str = "",
        full_url: str | None = None,
        headers: dict | None = None,
        auth: Any = None,
        json_data: Any = None,
        params: Any = None,
        data: Any = None,
        files: Any = None,
        timeout: float | None = None,
        resp_type: str = "json",
        ok_codes: Any = None,
        return_empty_response: bool = False,
        retries: int = 0,
        status_list_to_retry: Any = None,
        backoff_factor: float = 5,
        backoff_jitter: float = 0.0,
        raise_on_redirect: bool = False,
        raise_on_status: bool = False,
        error_handler: Any = None,
        empty_valid_codes: Any = None,
        params_parser: Any = None,
        with_metrics: bool = False,
        **kwargs: Any,
    ) -> Any:
        try:
            address = full_url or urljoin(self._base_url, url_suffix)
            if retries:
                self._implement_retry(retries, status_list_to_retry, backoff_factor, raise_on_redirect, raise_on_status,
                                      backoff_jitter)
            if params_parser and params:
                params = params_parser(params)
            res = self._session.request(
                method,
                address,
                verify=self._verify,
                params=params,
                data=data,
                json=json_data,
                files=files,
                headers=headers or self._headers,
                auth=auth or self._auth,
                timeout=timeout or self.timeout,
                **kwargs,
            )
            if not self._is_status_code_valid(res, ok_codes):
                (error_handler or self.client_error_handler)(res)
            if return_empty_response and res.status_code in (empty_valid_codes or [204]):
                return res
            return self._parse_response(res, resp_type)
        except requests.exceptions.ConnectTimeout as exception:
            raise DemistoException(
                "Connection Timeout Error - potential reasons might be that the Server URL parameter is incorrect or "
                "that the Server is not accessible from your host.",
                exception,
            ) from exception
        except requests.exceptions.SSLError as exception:
            if not self._verify:
                raise
            raise DemistoException(
                "SSL Certificate Verification Failed - try selecting 'Trust any certificate' checkbox in the integration "
                "configuration.",
                exception,
            ) from exception
        except requests.exceptions.ProxyError as exception:
            raise DemistoException(
                "Proxy Error - if the 'Use system proxy' checkbox in the integration configuration is selected, try "
                "clearing the checkbox.",
                exception,
            ) from exception
        except requests.exceptions.ConnectionError as exception:
            name = f"{type(exception).__module__}.{type(exception).__name__}"
            message = (
                "Verify that the server URL parameter is correct and that you have access to the server from your host."
                f"\nError Type: <{name}>"
            )
            if exception.errno and exception.strerror:
                message += f"\nError Number: [{exception.errno}]\nMessage: {exception.strerror}\n"
            else:
                message += f"\n{exception}"
            raise DemistoException(message, exception) from exception
        except requests.exceptions.RetryError as exception:
            try:
                reason = f"Reason: {exception.args[0].reason.args[0]}"
            except Exception:
                reason = ""
            raise DemistoException(
                f"Max Retries Error- Request attempts with {retries} retries failed. \n{reason}", exception
            ) from exception

    @staticmethod
    def _parse_response(res: requests.Response, resp_type: str) -> Any:
        kind = resp_type.lower()
        try:
            if kind == "json":
                return res.json()
            if kind in ("text", "xml"):
                return res.text
            if kind == "content":
                return res.content
            return res
        except ValueError as exception:
            raise DemistoException(f"Failed to parse {kind} object from response: {res.content!r}", exception, res) from exception


def is_debug_mode() -> bool:
    return bool(demisto.args().get("debug-mode"))


def format_exception() -> str:
    return traceback.format_exc()
