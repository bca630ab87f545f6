"""The task wire protocol: what a remote command is given, and how it reports back.

Going in, the command finds these environment variables:

``HELIX_TASK_ID``
    the task's uuid.
``HELIX_ATTEMPT``
    the attempt number (the fencing token), a decimal integer.
``HELIX_CHECKPOINT``
    the JSON data of the task's last checkpoint, or the empty string when there is none. A task
    that finds it non-empty resumes from it instead of starting over.
``HELIX_CHECKPOINT_NAME``
    the name of that checkpoint, or the empty string.

Coming out, a line on stdout that starts with ``@@helix/1`` and one space is a report to the
runner; every other line is ordinary output. The reports:

``@@helix/1 checkpoint NAME JSON``
    save a checkpoint. NAME is 1 to 100 characters of letters, digits, ``_ . : -``; JSON is
    the rest of the line, any JSON value (an object, usually). The data becomes the task's
    ``checkpoint_data``, handed back in ``HELIX_CHECKPOINT`` if the task runs again.
``@@helix/1 progress FRACTION [MESSAGE]``
    how far along the task is: FRACTION is a number from 0 to 1, MESSAGE free text.
``@@helix/1 result JSON``
    data for the task's result; the last one printed wins.

A line that starts with the prefix but breaks these rules is treated as ordinary output, and
reported as a warning; it never stops the task. Data travels on one line, so keep checkpoints
small (paths to files, offsets), well under :data:`MAX_CHECKPOINT_BYTES`: the whole JSON goes
into an environment variable when the task resumes.

A shell task that resumes where it stopped::

    start=0
    if [ -n "$HELIX_CHECKPOINT" ]; then
        start=$(printf '%s' "$HELIX_CHECKPOINT" | jq .next_step)
    fi
    for step in $(seq "$start" 9); do
        make "step$step"
        echo "@@helix/1 checkpoint step-done {\\"next_step\\": $((step + 1))}"
        echo "@@helix/1 progress 0.$step building step $step of 10"
    done
    echo '@@helix/1 result {"steps": 10}'

This module is pure: parsing returns values, and the callers log the warnings with the
worker and task they concern.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .transport.base import CommandSpec

PREFIX = "@@helix/1"
"""Start of every protocol line; the ``/1`` is the protocol version."""

MAX_CHECKPOINT_BYTES = 64 * 1024
"""Largest checkpoint (as JSON) handed to a resuming task: environment strings are limited."""

MAX_NAME_LENGTH = 100
CHECKPOINT_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,%d}\Z" % MAX_NAME_LENGTH)
RESERVED_ENV_PREFIX = "HELIX_"
SHELL_TASK_KEYS = ("command", "env", "cwd", "timeout")


class ProtocolError(ValueError):
    """Bad input to the protocol's builders; the message names the value and the rule."""


@dataclass(frozen=True)
class Output:
    """An ordinary output line. ``warning`` says why, if it looked like a malformed report."""

    text: str
    warning: str | None = None


@dataclass(frozen=True)
class Checkpoint:
    """``@@helix/1 checkpoint NAME JSON``: save this checkpoint."""

    name: str
    data: Any


@dataclass(frozen=True)
class Progress:
    """``@@helix/1 progress FRACTION [MESSAGE]``: the task is this far along."""

    fraction: float
    message: str | None = None


@dataclass(frozen=True)
class Result:
    """``@@helix/1 result JSON``: data for the task's result."""

    data: Any


Message = Output | Checkpoint | Progress | Result


def _malformed(line: str, reason: str) -> Output:
    return Output(line, warning=f"malformed protocol line ({reason}): {line[:200]!r}")


def _parse_json(line: str, text: str, what: str) -> Any | Output:
    """Parse ``text`` as JSON, or return the malformed-line output for ``line``."""
    if not text.strip():
        return _malformed(line, f"{what} lacks its JSON data")
    try:
        return json.loads(text)
    except ValueError as error:
        return _malformed(line, f"{what} data is not valid JSON: {error}")


def parse_line(line: str) -> Message:
    """Classify one line of a task's stdout (without its newline).

    Never raises on any string: a malformed report comes back as :class:`Output` with a
    ``warning``.
    """
    if not line.startswith(PREFIX):
        return Output(line)
    after = line[len(PREFIX) :].rstrip("\r")
    if not after.strip():
        return _malformed(line, "no report after the prefix")
    if not after.startswith(" "):
        # "@@helix/12 ..." or "@@helix/1x": another version, or a typo; worth a warning.
        return _malformed(line, f"{PREFIX!r} must be followed by a space")
    body = after[1:]
    kind, _, rest = body.strip().partition(" ")
    if kind == "checkpoint":
        name, _, data_text = rest.strip().partition(" ")
        if not CHECKPOINT_NAME.match(name):
            return _malformed(
                line,
                f"checkpoint name {name!r} must be 1 to {MAX_NAME_LENGTH} letters, digits "
                "or _ . : -",
            )
        data = _parse_json(line, data_text, "checkpoint")
        if isinstance(data, Output):
            return data
        return Checkpoint(name, data)
    if kind == "progress":
        fraction_text, _, message = rest.strip().partition(" ")
        try:
            fraction = float(fraction_text)
        except ValueError:
            return _malformed(line, f"progress fraction {fraction_text!r} is not a number")
        if not math.isfinite(fraction) or not 0.0 <= fraction <= 1.0:
            return _malformed(line, f"progress fraction {fraction_text} is outside 0..1")
        return Progress(fraction, message.strip() or None)
    if kind == "result":
        data = _parse_json(line, rest, "result")
        if isinstance(data, Output):
            return data
        return Result(data)
    return _malformed(line, f"unknown report {kind!r}; known: checkpoint, progress, result")


def task_environment(
    task_id: str,
    attempt: int,
    checkpoint: Any = None,
    checkpoint_name: str | None = None,
) -> dict[str, str]:
    """Return the ``HELIX_*`` variables for one run of a task.

    ``checkpoint`` is the task's last checkpoint data (``None`` when it has none).
    """
    if not isinstance(task_id, str) or not task_id:
        raise ProtocolError(f"task id {task_id!r} must be a non-empty string")
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 0:
        raise ProtocolError(f"attempt {attempt!r} must be a non-negative integer")
    if checkpoint is None:
        encoded = ""
    else:
        try:
            encoded = json.dumps(checkpoint, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as error:
            raise ProtocolError(f"checkpoint {checkpoint!r} is not JSON data: {error}") from None
        if len(encoded.encode()) > MAX_CHECKPOINT_BYTES:
            raise ProtocolError(
                f"checkpoint of task {task_id} is {len(encoded.encode())} bytes as JSON, over "
                f"the {MAX_CHECKPOINT_BYTES} bytes an environment variable can carry safely"
            )
    if checkpoint_name is not None and not isinstance(checkpoint_name, str):
        raise ProtocolError(f"checkpoint name {checkpoint_name!r} must be a string")
    return {
        "HELIX_TASK_ID": task_id,
        "HELIX_ATTEMPT": str(attempt),
        "HELIX_CHECKPOINT": encoded,
        "HELIX_CHECKPOINT_NAME": checkpoint_name or "",
    }


def _shell_env(env: Any) -> dict[str, str]:
    """Validate the ``env`` of a shell task: names of variables to strings or numbers."""
    if not isinstance(env, Mapping):
        raise ProtocolError(f"shell task env {env!r} must be an object")
    result: dict[str, str] = {}
    for name, value in env.items():
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ProtocolError(
                f"shell task env name {name!r} must be letters, digits and _, not starting "
                "with a digit"
            )
        if name.startswith(RESERVED_ENV_PREFIX):
            raise ProtocolError(
                f"shell task env name {name!r} uses the prefix {RESERVED_ENV_PREFIX}, "
                "reserved for the variables the runner sets"
            )
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ProtocolError(
                f"shell task env {name} value {value!r} must be a string or a number"
            )
        text = str(value)
        if "\0" in text:
            raise ProtocolError(f"shell task env {name} value {text!r} contains a NUL")
        result[name] = text
    return result


def shell_command_spec(
    task_data: Mapping[str, Any],
    task_id: str,
    attempt: int,
    checkpoint: Any = None,
    checkpoint_name: str | None = None,
) -> CommandSpec:
    """Build the command of a ``shell`` task from its ``task_data``.

    Keys: ``command`` (string, required, run by ``/bin/sh -c``), ``env`` (object of strings or
    numbers), ``cwd`` (string), ``timeout`` (positive seconds). Other keys are refused, so a
    misspelt ``timout`` does not silently mean "no timeout". The transport quotes every value
    (see :func:`helixcode.transport.base.render_script`).
    """
    if not isinstance(task_data, Mapping):
        raise ProtocolError(f"shell task_data {task_data!r} must be an object")
    unknown = sorted(set(task_data) - set(SHELL_TASK_KEYS))
    if unknown:
        raise ProtocolError(
            f"shell task_data has unknown keys {unknown}; the keys are {list(SHELL_TASK_KEYS)}"
        )
    command = task_data.get("command")
    if not isinstance(command, str) or not command.strip():
        raise ProtocolError(f"shell task command {command!r} must be a non-empty string")
    if "\0" in command:
        raise ProtocolError(f"shell task command {command!r} contains a NUL")
    env = _shell_env(task_data.get("env") or {})
    cwd = task_data.get("cwd")
    if cwd is not None and (not isinstance(cwd, str) or not cwd or "\0" in cwd):
        raise ProtocolError(f"shell task cwd {cwd!r} must be a non-empty string")
    timeout = task_data.get("timeout")
    if timeout is not None and (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not math.isfinite(timeout)
        or timeout <= 0
    ):
        raise ProtocolError(f"shell task timeout {timeout!r} must be a positive number of seconds")
    env.update(task_environment(task_id, attempt, checkpoint, checkpoint_name))
    return CommandSpec(command, env=env, cwd=cwd, timeout=timeout, task_id=task_id)
