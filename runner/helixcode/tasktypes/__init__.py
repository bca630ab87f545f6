"""Task types: how a task's ``task_data`` becomes a command, and its run becomes a result.

A task type is a class with a ``name`` and two methods (see :class:`TaskType`). The runner
finds them through the entry-point group ``helixcode.task_types``; a package adds one with,
in its ``pyproject.toml``::

    [project.entry-points."helixcode.task_types"]
    docker = "mypackage.helix:DockerTask"

The entry point's name is the ``task_type`` it serves. ``shell`` ships with the runner
(:mod:`helixcode.tasktypes.shell`).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from ..transport.base import CommandSpec

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "helixcode.task_types"


class InvalidTaskData(ValueError):
    """The task's ``task_data`` cannot be run; the message says which key and why.

    The runner fails such a task without a retry: running it again would fail the same way.
    """


@dataclass(frozen=True)
class RunResult:
    """How one run of a command on a worker ended."""

    exit_code: int | None
    stdout_tail: str
    stderr_tail: str
    duration_seconds: float
    timed_out: bool = False
    reported_result: Any = None
    """The data of the last ``@@helix/1 result`` line, if any."""


@dataclass(frozen=True)
class Outcome:
    """What to report for a run: completion with ``result``, or failure with ``error``."""

    succeeded: bool
    result: Any = None
    error: str | None = None
    retryable: bool = True


class TaskType(ABC):
    """A kind of task the runner can execute."""

    name: str = ""

    @abstractmethod
    def command(
        self, task_data: dict[str, Any], task_id: str, attempt: int, checkpoint: Any
    ) -> CommandSpec:
        """The command to run for this attempt; raises :class:`InvalidTaskData`."""

    @abstractmethod
    def outcome(self, task_data: dict[str, Any], run: RunResult) -> Outcome:
        """Judge a finished run."""


def load_task_types() -> dict[str, TaskType]:
    """Instantiate every task type registered in the entry-point group, by name.

    A plugin that fails to load is logged and skipped: one broken package must not stop the
    runner from running the others' tasks.
    """
    found: dict[str, TaskType] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            found[entry.name] = entry.load()()
        except Exception:
            log.exception("task type %s (%s) failed to load; skipping it", entry.name,
                          entry.value)
    if "shell" not in found:
        # An install whose metadata predates the entry point still runs shell tasks.
        from .shell import ShellTask

        found["shell"] = ShellTask()
    return found
