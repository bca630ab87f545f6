"""``db/schema.sql``: the migrated schema as a reader sees it, for review and drift checks.

It is ``pg_dump --schema-only`` of schema ``helix`` with the noise taken out: no session
settings, no version banner, and no function bodies (a function's history is the git log of
its file in ``db/functions``). Tables, columns, constraints, indexes, triggers, views,
comments and grants stay, so a change to any of them shows in review as a change to this file.
A test regenerates it from a freshly migrated database and compares.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from .embedded import find_bin_dir
from .errors import HelixError

_ENTRY = re.compile(r"^--\n-- Name: (?P<name>.*?); Type: (?P<type>[A-Z ]+);.*\n--\n", re.M)
_DROPPED_TYPES = {"FUNCTION", "PROCEDURE", "AGGREGATE"}


def _pg_dump() -> str:
    try:
        return str(find_bin_dir() / "pg_dump")
    except HelixError:
        found = shutil.which("pg_dump")
        if not found:
            raise
        return found


def _keep(entry_type: str, name: str) -> bool:
    if entry_type in _DROPPED_TYPES:
        return False
    if entry_type in {"COMMENT", "ACL"}:
        return not name.startswith(("FUNCTION ", "PROCEDURE "))
    return True


def clean(dump: str) -> str:
    """Strip a ``pg_dump`` text to the entries a reviewer wants to see."""
    entries = list(_ENTRY.finditer(dump))
    parts = ["-- The helix schema as migrations leave it; regenerate with\n"
             "--   helix db schema > db/schema.sql\n"
             "-- Function bodies are left out: read them in db/functions/.\n"]
    for i, match in enumerate(entries):
        end = entries[i + 1].start() if i + 1 < len(entries) else len(dump)
        if not _keep(match["type"], match["name"]):
            continue
        body = dump[match.start():end]
        lines = [ln for ln in body.splitlines()
                 if not ln.startswith(("SET ", "SELECT pg_catalog.set_config", "\\restrict",
                                       "\\unrestrict", "-- Dumped "))]
        parts.append("\n".join(lines).rstrip() + "\n")
    return "\n".join(parts)


def dump(url: str) -> str:
    """The cleaned schema of the database at ``url``."""
    result = subprocess.run(
        [_pg_dump(), "--schema-only", "--schema=helix", "--no-owner", "--dbname", url],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise HelixError(f"pg_dump failed: {result.stderr.strip()}")
    return clean(result.stdout)


def committed(root: Path) -> str:
    """The committed ``db/schema.sql`` text (empty when there is none yet)."""
    path = root / "schema.sql"
    return path.read_text() if path.exists() else ""
