"""Logging for the runner: plain text for people, one JSON object per line for machines.

Every state change of a task is one line carrying the task id, the attempt and the worker,
both in the text and, with ``--log-format json``, as fields of their own::

    {"ts": "2026-12-03T17:20:01.120Z", "level": "info", "logger": "helixcode.executor",
     "event": "task_completed", "task_id": "5f0c...", "attempt": 2, "worker": "build-1",
     "message": "task 5f0c... attempt 2 on worker build-1: completed in 3.2s"}

:func:`state` writes such a line. Nothing secret goes into a log line: database URLs pass
through :func:`helixcode.database.redact`, and task environments are never logged.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

# Attributes of a LogRecord that are its own machinery, not fields a caller added.
_STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
LEVELS = ("debug", "info", "warning", "error")
FORMATS = ("text", "json")


class JsonFormatter(logging.Formatter):
    """One JSON object per record, with the caller's ``extra`` fields at the top level."""

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as a single line of JSON."""
        moment = time.gmtime(record.created)
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", moment) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        entry["message"] = record.getMessage()
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class _CommandChatter(logging.Filter):
    """Drops the transport's per-command start and end lines (probes log one each second).

    The executor logs each task's state changes itself; at debug level everything shows.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record except the transport's informational command lines."""
        if record.levelno != logging.INFO or not record.name.startswith("helixcode.transport"):
            return True
        return not isinstance(record.msg, str) or "command" not in record.msg


def setup(log_format: str = "text", level: str = "info") -> None:
    """Send every log record to stderr in ``log_format`` at ``level`` and above."""
    if log_format not in FORMATS:
        raise ValueError(f"log format {log_format!r} must be one of {FORMATS}")
    if level.lower() not in LEVELS:
        raise ValueError(f"log level {level!r} must be one of {LEVELS}")
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    if level.lower() != "debug":
        handler.addFilter(_CommandChatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    # paramiko narrates every channel at INFO; its warnings are what matter to an operator.
    logging.getLogger("paramiko").setLevel(max(logging.WARNING, root.level))


def state(
    logger: logging.Logger,
    event: str,
    task_id: Any,
    attempt: int,
    worker: str,
    detail: str = "",
    level: int = logging.INFO,
    **fields: Any,
) -> None:
    """Log one state change of a task: ``task T attempt A on worker W: DETAIL``."""
    text = detail or event.removeprefix("task_").replace("_", " ")
    logger.log(
        level,
        "task %s attempt %s on worker %s: %s",
        task_id,
        attempt,
        worker,
        text,
        extra={"event": event, "task_id": str(task_id), "attempt": attempt, "worker": worker,
               **fields},
    )
