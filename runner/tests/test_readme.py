"""The README's examples, executed, so that what a newcomer copies works.

Convention: a fenced ``sql`` or ``sh`` block right after the line ``<!-- tested -->`` is
executed, in document order, against one fresh database: SQL with ``psql`` (stopping at the
first error), shell with ``bash -e`` with ``helix`` on the PATH and ``HELIX_DATABASE_URL``
set. ``<!-- tested: refused -->`` marks a SQL block that must fail. A ``text`` block right
after ``<!-- expected -->`` holds lines that the output of the tested block before it must
contain (spaces compared loosely). Other blocks (the quick start, SSH hosts that do not
exist here) are shown, not run.
"""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest

from helixcode import config
from helixcode.cli.main import cli
from helixcode.embedded import find_bin_dir

README = Path(__file__).resolve().parents[2] / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.MULTILINE | re.DOTALL)
MARK = re.compile(r"<!-- (tested(?:: refused)?|expected) -->\n\Z")
BLOCK_TIMEOUT = 120


@dataclasses.dataclass
class Block:
    """A fenced block of the README, with its marker and where it starts."""

    language: str
    text: str
    line: int
    mark: str | None
    expected: list[str] = dataclasses.field(default_factory=list)


def readme_blocks(text: str) -> list[Block]:
    """The tested blocks of ``text``, each with the expected lines that follow it."""
    blocks: list[Block] = []
    for match in FENCE.finditer(text):
        mark = MARK.search(text[: match.start()])
        line = text.count("\n", 0, match.start()) + 1
        block = Block(match.group(1), match.group(2), line, mark.group(1) if mark else None)
        if block.mark == "expected":
            assert blocks, f"README line {line}: an expected block with no tested block before"
            blocks[-1].expected += [ln for ln in block.text.splitlines() if ln.strip()]
        elif block.mark:
            assert block.language in ("sql", "sh"), (
                f"README line {line}: only sql and sh blocks can be tested")
            blocks.append(block)
    return blocks


def _loose(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _run_sql(block: Block, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(find_bin_dir() / "psql"), "-X", "-v", "ON_ERROR_STOP=1", "-d", url],
        input=block.text, capture_output=True, text=True, timeout=BLOCK_TIMEOUT, check=False)


def _run_sh(block: Block, url: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HELIX_DATABASE_URL": url,
        "HELIX_CONFIG": str(home / "config.toml"),
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    process = subprocess.Popen(
        ["bash", "-e", "-o", "pipefail", "-c", block.text], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=env, start_new_session=True, cwd=home)
    try:
        out, err = process.communicate(timeout=BLOCK_TIMEOUT)
    finally:
        # A block that starts a runner in the background must not leave it behind.
        _end_group(process.pid)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _end_group(pgid: int) -> None:
    deadline = time.monotonic() + 15
    sig = signal.SIGTERM
    while True:
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline:
            sig = signal.SIGKILL
        time.sleep(0.1)


def test_readme_blocks_are_found() -> None:
    blocks = readme_blocks(README.read_text())
    assert {b.language for b in blocks} == {"sql", "sh"}
    assert any(b.mark == "tested: refused" for b in blocks)
    assert sum(len(b.expected) for b in blocks) >= 3


def test_readme_examples_run(fresh_db: str, tmp_path: Path) -> None:
    if not (Path(sys.executable).parent / "helix").exists():
        pytest.fail(f"the helix script is not beside {sys.executable}: pip install -e .")
    for block in readme_blocks(README.read_text()):
        where = f"README line {block.line} ({block.language})"
        if block.language == "sql":
            result = _run_sql(block, fresh_db)
        else:
            result = _run_sh(block, fresh_db, tmp_path)
        output = result.stdout + result.stderr
        if block.mark == "tested: refused":
            assert result.returncode != 0, f"{where} should be refused but ran:\n{output}"
        else:
            assert result.returncode == 0, f"{where} failed ({result.returncode}):\n{output}"
        assert "Traceback" not in output, f"{where}:\n{output}"
        for line in block.expected:
            assert _loose(line) in _loose(output), (
                f"{where}: expected {line!r} in its output:\n{output}")


def test_readme_configuration_table_lists_every_key() -> None:
    text = README.read_text()
    section = text.split("## Configuration\n", 1)[1].split("\n## ", 1)[0]
    for key, option in config.OPTIONS.items():
        assert f"| `{key}` | `{option.env}` |" in section, f"{key} missing from the README"


def test_readme_operator_table_names_every_command() -> None:
    text = README.read_text()
    section = text.split("## Operators", 1)[1].split("\n## ", 1)[0]
    for name, command in cli.commands.items():
        assert f"`helix {name}" in section, f"helix {name} missing from the README"
        if isinstance(command, click.Group):
            row = next(line for line in section.splitlines()
                       if line.startswith(f"| `helix {name}"))
            for sub in command.commands:
                assert re.search(rf"[ /\[]{sub}\b", row), f"helix {name} {sub} missing"
