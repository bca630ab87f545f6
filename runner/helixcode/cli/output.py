"""How the read commands print: rich tables on a terminal, plain columns when piped, JSON.

On a terminal (stdout is a tty and ``NO_COLOR`` is not set to turn colour off) tables are
drawn by rich, with statuses in colour. Piped, the same tables are plain text: one header
line, then one line per row, columns separated by at least two spaces, nothing cut short,
so that ``grep`` and ``awk`` work. ``--json`` prints the rows as JSON for scripts; timestamps
become ISO 8601 strings and uuids strings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import json
import sys
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

F = TypeVar("F", bound=Callable[..., Any])

STATUS_STYLES = {
    "completed": "green",
    "active": "green",
    "healthy": "green",
    "running": "cyan",
    "assigned": "cyan",
    "pending": "yellow",
    "waiting_for_worker": "magenta",
    "paused": "magenta",
    "maintenance": "magenta",
    "degraded": "yellow",
    "stopping": "yellow",
    "failed": "red",
    "cancelled": "bright_black",
    "offline": "red",
    "unhealthy": "red",
    "lost": "red",
    "inactive": "bright_black",
    "stopped": "bright_black",
    "unknown": "bright_black",
}


def json_option(func: F) -> F:
    """Add ``--json`` (print JSON for scripts) to a read command."""
    return click.option("--json", "as_json", is_flag=True,
                        help="Print JSON for scripts instead of a table.")(func)


def is_terminal() -> bool:
    """Whether stdout is a terminal a person reads (rich output), not a pipe or a file."""
    try:
        return bool(sys.stdout.isatty())
    except (AttributeError, ValueError):
        return False


def console() -> Console:
    """A rich console on stdout (colour only when it is a terminal)."""
    return Console(file=sys.stdout, highlight=False)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(data: Any, indent: int | None = 2) -> str:
    """``data`` as JSON (indented, or one line), with timestamps, uuids, decimals made plain."""
    return json.dumps(data, indent=indent, default=_jsonable, sort_keys=False)


def echo_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout."""
    click.echo(to_json(data))


def ago(moment: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """``moment`` as an age: ``4s ago``, ``3m ago``, ``2h ago``, ``5d ago``; ``-`` if None."""
    if moment is None:
        return "-"
    now = now or dt.datetime.now(dt.timezone.utc)
    seconds = (now - moment).total_seconds()
    suffix = "ago"
    if seconds < 0:
        seconds, suffix = -seconds, "from now"
    return f"{duration(seconds)} {suffix}"


def duration(seconds: float | dt.timedelta | None) -> str:
    """A duration in the largest unit that fits: ``850ms``, ``12s``, ``3m05s``, ``2h10m``."""
    if seconds is None:
        return "-"
    if isinstance(seconds, dt.timedelta):
        seconds = seconds.total_seconds()
    if seconds < 1:
        return f"{int(seconds * 1000)}ms"
    if seconds < 60:
        return f"{seconds:.1f}s" if seconds < 10 else f"{int(seconds)}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"
    return f"{int(seconds // 86400)}d{int(seconds % 86400 // 3600):02d}h"


def text(value: Any) -> str:
    """A cell's plain text: ``-`` for nothing, lists joined by commas, percents as is."""
    if value is None or value == "":
        return "-"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value) if value else "-"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, dt.datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dict):
        return json.dumps(value, default=_jsonable, separators=(",", ":"))
    return str(value)


def styled(value: str) -> Text:
    """A cell whose colour follows the status word it holds."""
    return Text(value, style=STATUS_STYLES.get(value, ""))


@dataclasses.dataclass(frozen=True)
class Column:
    """A table column: its header and how to read a cell from a row dict."""

    header: str
    key: str
    render: Callable[[Any], str] = text
    colour: bool = False
    justify: str = "left"
    wrap: bool = False
    """Whether a narrow terminal may wrap this column (free text); others keep one line."""
    min_width: int | None = None
    """Width a narrow terminal may not shrink the column below (ids)."""


def rich_table(columns: Sequence[Column], data: Iterable[dict[str, Any]],
               title: str | None = None) -> Table:
    """The rows as a rich table (for a terminal, or inside a live display)."""
    table = Table(title=title, title_justify="left", header_style="bold", title_style="bold",
                  box=box.SIMPLE_HEAD, pad_edge=False)
    for column in columns:
        table.add_column(column.header, justify=column.justify,  # type: ignore[arg-type]
                         no_wrap=not column.wrap, min_width=column.min_width,
                         overflow="fold" if column.wrap else "ellipsis")
    for row in data:
        values = [c.render(row.get(c.key)) for c in columns]
        table.add_row(*(styled(v) if c.colour else Text(v)
                        for c, v in zip(columns, values, strict=True)))
    return table


def plain_table(columns: Sequence[Column], data: Iterable[dict[str, Any]]) -> list[str]:
    """The rows as aligned plain-text lines, a header line first."""
    cells = [[c.render(row.get(c.key)) for c in columns] for row in data]
    headers = [c.header.upper() for c in columns]
    widths = [max(len(h), *(len(line[i]) for line in cells)) for i, h in enumerate(headers)]
    return ["  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip()
            for line in [headers, *cells]]


def print_table(columns: Sequence[Column], data: Iterable[dict[str, Any]],
                title: str | None = None, empty: str = "(none)") -> None:
    """Print rows as a table: rich on a terminal, aligned plain text otherwise."""
    data = list(data)
    if not data:
        out(f"{title}: {empty}" if title else empty)
        return
    if is_terminal():
        console().print(rich_table(columns, data, title))
        return
    if title:
        click.echo(f"{title}:")
    for line in plain_table(columns, data):
        click.echo(line)


def print_fields(fields: Sequence[tuple[str, Any]], title: str | None = None) -> None:
    """Print ``name: value`` lines (a record), aligned; statuses coloured on a terminal."""
    width = max(len(name) for name, _ in fields)
    if title:
        if is_terminal():
            console().print(Text(title, style="bold"))
        else:
            click.echo(title)
    for name, value in fields:
        shown = text(value)
        if is_terminal():
            line = Text(f"{name + ':':<{width + 1}} ")
            line.append(shown, style=STATUS_STYLES.get(shown, ""))
            console().print(line)
        else:
            click.echo(f"{name + ':':<{width + 1}} {shown}")


def heading(title: str) -> None:
    """A section heading between tables."""
    click.echo("")
    if is_terminal():
        console().print(Text(title, style="bold underline"))
    else:
        click.echo(f"{title}:")


def out(message: str, style: str | None = None) -> None:
    """One line for a person: coloured on a terminal, plain when piped."""
    if is_terminal() and style:
        console().print(Text(message, style=style))
    else:
        click.echo(message)


def stderr_is_terminal() -> bool:
    """Whether stderr is a terminal (for prompts and spinners)."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
