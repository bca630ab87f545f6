"""The task wire protocol: report lines, task environment, shell task commands."""

from __future__ import annotations

from typing import Any

import pytest

from helixcode import protocol
from helixcode.protocol import Checkpoint, Output, Progress, Result


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('@@helix/1 checkpoint compiled {"files": 12}', Checkpoint("compiled", {"files": 12})),
        ("@@helix/1 checkpoint a.b:c-1_2 [1, 2]", Checkpoint("a.b:c-1_2", [1, 2])),
        ('@@helix/1 checkpoint s {"text": "a b  c"}\r', Checkpoint("s", {"text": "a b  c"})),
        ("@@helix/1 progress 0.25", Progress(0.25, None)),
        ("@@helix/1 progress 1 linking  the binary", Progress(1.0, "linking  the binary")),
        ("@@helix/1 progress 0", Progress(0.0, None)),
        ('@@helix/1 result {"ok": true}', Result({"ok": True})),
        ("@@helix/1 result null", Result(None)),
        ("plain output", Output("plain output")),
        ("", Output("")),
        ("  @@helix/1 progress 0.5", Output("  @@helix/1 progress 0.5")),
        ("@@helixir", Output("@@helixir")),
    ],
)
def test_parse_line__reads_reports_and_passes_output(line: str, expected: Any) -> None:
    assert protocol.parse_line(line) == expected


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("@@helix/1", "no report after the prefix"),
        ("@@helix/1   ", "no report after the prefix"),
        ("@@helix/12 progress 0.5", "must be followed by a space"),
        ("@@helix/1 checkpoint", "checkpoint name '' must be"),
        ("@@helix/1 checkpoint bad/name {}", "checkpoint name 'bad/name' must be"),
        ("@@helix/1 checkpoint " + "n" * 101 + " {}", "must be 1 to 100"),
        ("@@helix/1 checkpoint step", "checkpoint lacks its JSON data"),
        ("@@helix/1 checkpoint step {oops}", "checkpoint data is not valid JSON"),
        ("@@helix/1 progress half", "progress fraction 'half' is not a number"),
        ("@@helix/1 progress 1.5 over", "progress fraction 1.5 is outside 0..1"),
        ("@@helix/1 progress -0.1", "outside 0..1"),
        ("@@helix/1 progress nan", "outside 0..1"),
        ("@@helix/1 progress", "progress fraction '' is not a number"),
        ("@@helix/1 result", "result lacks its JSON data"),
        ("@@helix/1 result {", "result data is not valid JSON"),
        ("@@helix/1 launch rockets", "unknown report 'launch'"),
    ],
)
def test_parse_line__malformed_report_is_output_with_a_warning(line: str, reason: str) -> None:
    parsed = protocol.parse_line(line)
    assert isinstance(parsed, Output)
    assert parsed.text == line
    assert parsed.warning is not None
    assert reason in parsed.warning


def test_parse_line__never_raises_on_odd_input() -> None:
    for line in ["@@helix/1 \x00", "@@helix/1 checkpoint x \udcff", "@@helix/1 progress 1e999"]:
        assert isinstance(protocol.parse_line(line), Output)


def test_task_environment__first_run_and_resumed_run() -> None:
    assert protocol.task_environment("t-1", 1) == {
        "HELIX_TASK_ID": "t-1",
        "HELIX_ATTEMPT": "1",
        "HELIX_CHECKPOINT": "",
        "HELIX_CHECKPOINT_NAME": "",
    }
    resumed = protocol.task_environment("t-1", 2, {"next": 3, "why": "ünïcode"}, "built")
    assert resumed["HELIX_CHECKPOINT"] == '{"next":3,"why":"\\u00fcn\\u00efcode"}'
    assert resumed["HELIX_CHECKPOINT_NAME"] == "built"
    assert resumed["HELIX_ATTEMPT"] == "2"


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        (("", 1), "task id '' must be a non-empty string"),
        (("t", -1), "attempt -1 must be a non-negative integer"),
        (("t", True), "attempt True must be"),
        (("t", 1, {"x": float("nan")}), "is not JSON data"),
        (("t", 1, {"blob": "x" * 70_000}), "over the 65536 bytes"),
    ],
)
def test_task_environment__refuses_bad_input(arguments: tuple[Any, ...], fragment: str) -> None:
    with pytest.raises(protocol.ProtocolError) as caught:
        protocol.task_environment(*arguments)
    assert fragment in str(caught.value)


def test_shell_command_spec__builds_the_command() -> None:
    spec = protocol.shell_command_spec(
        {
            "command": "make -j4 test",
            "env": {"CC": "clang", "JOBS": 4},
            "cwd": "/src",
            "timeout": 60,
        },
        task_id="t-9",
        attempt=2,
        checkpoint={"stage": "test"},
        checkpoint_name="built",
    )
    assert spec.command == "make -j4 test"
    assert spec.cwd == "/src"
    assert spec.timeout == 60
    assert spec.task_id == "t-9"
    assert dict(spec.env) == {
        "CC": "clang",
        "JOBS": "4",
        "HELIX_TASK_ID": "t-9",
        "HELIX_ATTEMPT": "2",
        "HELIX_CHECKPOINT": '{"stage":"test"}',
        "HELIX_CHECKPOINT_NAME": "built",
    }


@pytest.mark.parametrize(
    ("task_data", "fragment"),
    [
        ([], "task_data [] must be an object"),
        ({}, "command None must be a non-empty string"),
        ({"command": "  "}, "command '  ' must be a non-empty string"),
        ({"command": 42}, "command 42 must be"),
        ({"command": "ls", "timout": 5}, "unknown keys ['timout']"),
        ({"command": "ls", "env": ["A=1"]}, "env ['A=1'] must be an object"),
        ({"command": "ls", "env": {"1A": "x"}}, "env name '1A' must be"),
        ({"command": "ls", "env": {"A-B": "x"}}, "env name 'A-B' must be"),
        ({"command": "ls", "env": {"HELIX_TASK_ID": "x"}}, "uses the prefix HELIX_"),
        ({"command": "ls", "env": {"A": None}}, "env A value None must be a string"),
        ({"command": "ls", "env": {"A": True}}, "env A value True must be"),
        ({"command": "ls", "env": {"A": {"b": 1}}}, "env A value {'b': 1} must be"),
        ({"command": "ls", "env": {"A": "x\0y"}}, "contains a NUL"),
        ({"command": "ls", "cwd": ""}, "cwd '' must be a non-empty string"),
        ({"command": "ls", "cwd": 7}, "cwd 7 must be"),
        ({"command": "ls", "timeout": 0}, "timeout 0 must be a positive number"),
        ({"command": "ls", "timeout": "60"}, "timeout '60' must be"),
        ({"command": "ls", "timeout": float("inf")}, "timeout inf must be"),
    ],
)
def test_shell_command_spec__refuses_bad_task_data(task_data: Any, fragment: str) -> None:
    with pytest.raises(protocol.ProtocolError) as caught:
        protocol.shell_command_spec(task_data, task_id="t", attempt=1)
    assert fragment in str(caught.value)
