"""Runs every pgTAP file of db/tests as a pytest test, so one run covers SQL and Python.

Each file runs with psql on its own fresh copy of the migrated template database. A failing
assertion fails the test with its description and pgTAP's diagnostics; so do a plan that was
not met and an error that stopped the file.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from helixcode.embedded import find_bin_dir
from helixcode.paths import sql_root

_FILES = sorted((sql_root() / "tests").glob("*.sql"))
_RESULT = re.compile(r"^(not ok|ok) (\d+)(?: - (.*))?$")
_PLAN = re.compile(r"^1\.\.(\d+)$")


def parse_tap(output: str) -> tuple[int | None, int, list[str]]:
    """Planned count, assertions run, and a readable entry per failed assertion."""
    planned: int | None = None
    ran = 0
    failures: list[str] = []
    collecting = False
    for raw in output.splitlines():
        line = raw.rstrip()
        plan = _PLAN.match(line)
        if plan:
            planned = int(plan.group(1))
            continue
        result = _RESULT.match(line)
        if result:
            ran += 1
            collecting = result.group(1) == "not ok" and "# TODO" not in line
            if collecting:
                failures.append(
                    f"not ok {result.group(2)} - {result.group(3) or '(no description)'}")
            continue
        if collecting and line.startswith("#"):
            failures[-1] += "\n    " + line
    return planned, ran, failures


def test_parse_tap_reports_failures_and_plan() -> None:
    planned, ran, failures = parse_tap(
        "1..3\nok 1 - first\nnot ok 2 - second\n# Failed test 2: \"second\"\n"
        "#         have: 1\n#         want: 2\nok 3\n")
    assert (planned, ran) == (3, 3)
    assert len(failures) == 1
    assert failures[0].startswith("not ok 2 - second")
    assert "want: 2" in failures[0]


@pytest.mark.parametrize("path", _FILES, ids=[p.name for p in _FILES])
def test_pgtap_file(path: Path, fresh_db: str) -> None:
    result = subprocess.run(
        [str(find_bin_dir() / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
         "-f", str(path), fresh_db],
        capture_output=True, text=True, timeout=600, check=False,
    )
    planned, ran, failures = parse_tap(result.stdout)
    problems: list[str] = []
    if result.returncode != 0:
        problems.append(f"psql stopped (exit {result.returncode}): {result.stderr.strip()}")
    problems.extend(failures)
    if planned is None:
        problems.append("no plan: the file must call plan(n) or no_plan()")
    elif planned != ran:
        problems.append(f"planned {planned} assertions but ran {ran}")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)
