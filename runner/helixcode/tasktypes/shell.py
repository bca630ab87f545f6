"""The ``shell`` task type: a command run by ``/bin/sh -c`` on the worker.

``task_data`` keys:

``command`` (string, required)
    the shell command.
``env`` (object of strings or numbers)
    added to the environment; names starting with ``HELIX_`` are reserved.
``cwd`` (string)
    directory to run in; a directory that cannot be entered fails with exit code 126.
``timeout`` (positive number of seconds)
    the process group is terminated when it runs longer; that counts as a failure.
``retryable`` (boolean, default true)
    whether a failure (non-zero exit, timeout) may be retried.

Anything else is refused, so a misspelt key fails loudly instead of being ignored. The
result is ``{"exit_code", "stdout_tail", "stderr_tail", "duration_seconds"}`` plus
``"result"`` when the command printed a ``@@helix/1 result JSON`` line.
"""

from __future__ import annotations

from typing import Any

from ..protocol import ProtocolError, shell_command_spec
from ..transport.base import CommandSpec
from . import InvalidTaskData, Outcome, RunResult, TaskType

RESULT_TAIL_CHARS = 4096
"""How much of the end of stdout and stderr goes into result_data and error messages."""


def _tail(text: str) -> str:
    return text[-RESULT_TAIL_CHARS:]


def _retryable(task_data: dict[str, Any]) -> bool:
    value = task_data.get("retryable", True)
    if not isinstance(value, bool):
        raise InvalidTaskData(f"shell task retryable {value!r} must be true or false")
    return value


class ShellTask(TaskType):
    """Runs ``task_data.command`` with ``/bin/sh -c``."""

    name = "shell"

    def command(
        self, task_data: dict[str, Any], task_id: str, attempt: int, checkpoint: Any
    ) -> CommandSpec:
        """Validate ``task_data`` and build the command with the task's HELIX_* variables."""
        if not isinstance(task_data, dict):
            raise InvalidTaskData(f"shell task_data {task_data!r} must be an object")
        _retryable(task_data)
        spec_data = {key: value for key, value in task_data.items() if key != "retryable"}
        try:
            return shell_command_spec(spec_data, task_id, attempt, checkpoint)
        except (ProtocolError, ValueError) as exc:
            raise InvalidTaskData(str(exc)) from None

    def outcome(self, task_data: dict[str, Any], run: RunResult) -> Outcome:
        """Exit code 0 completes the task; anything else fails it."""
        result: dict[str, Any] = {
            "exit_code": run.exit_code,
            "stdout_tail": _tail(run.stdout_tail),
            "stderr_tail": _tail(run.stderr_tail),
            "duration_seconds": round(run.duration_seconds, 3),
        }
        if run.reported_result is not None:
            result["result"] = run.reported_result
        if run.exit_code == 0 and not run.timed_out:
            return Outcome(True, result=result)
        if run.timed_out:
            error = f"command ran past its timeout of {task_data.get('timeout')}s and was killed"
        else:
            error = f"command exited with code {run.exit_code}"
        stderr = run.stderr_tail.strip()
        if stderr:
            error += f"; stderr ends with: {stderr[-500:]}"
        return Outcome(False, result=result, error=error, retryable=_retryable(task_data))
