"""The worker metrics probe: one shell command and the parser of its output.

The runner runs :func:`probe_command` on each worker over the connection it already holds, and
turns the one line it prints into the metrics that ``helix.heartbeat`` records, with
:func:`parse_probe_output`.

How each figure is measured (Linux workers; ``/proc``, ``awk``, ``df`` and ``sleep`` with a
fractional argument are all it needs):

- CPU: two samples of the aggregate ``cpu`` line of ``/proc/stat``, :data:`CPU_SAMPLE_SECONDS`
  apart; usage is the share of non-idle time (idle and iowait count as idle) between them. The
  load average is a queue length, not a usage, and lags by minutes; it is reported alongside
  as ``load_average_1m`` with ``cpu_count``.
- memory: ``MemTotal`` less ``MemAvailable`` of ``/proc/meminfo`` (page cache the kernel can
  drop counts as free, as ``free`` shows it).
- disk: ``df -P -k`` of the probed path, used / (used + available), as ``df`` computes its Use%
  (blocks reserved for root are not counted as available).
- network: received and transmitted bytes since boot, summed over ``/proc/net/dev`` except
  ``lo``. The counters only grow; rates are for the reader to compute from two heartbeats.

The line printed looks like::

    @@helix-probe/1 cpu=2155340,1964890,2155542,1965071 mem=8025304,5520412
    disk=61611820,21340032,37109728 net=1273822113,98234110 load=0.42 ncpu=4

(on one line), which :func:`parse_probe_output` turns into::

    {"cpu_usage_percent": 10.4, "memory_usage_percent": 31.2, "disk_usage_percent": 36.5,
     "network_rx_bytes": 1273822113, "network_tx_bytes": 98234110,
     "load_average_1m": 0.42, "cpu_count": 4}
"""

from __future__ import annotations

import shlex
from typing import Any

PROBE_PREFIX = "@@helix-probe/1"
CPU_SAMPLE_SECONDS = 0.5
PROBE_TIMEOUT = 15.0
"""Seconds a probe may take before it is killed and the worker counts as not answering."""

# Every number goes through printf "%.0f": mawk prints large numbers in exponent form.
_PROBE_SCRIPT = """\
cpu_sample() {{
  awk '/^cpu / {{ t = 0; for (i = 2; i <= 9; i++) t += $i
    printf "%.0f,%.0f", t, $5 + $6; exit }}' /proc/stat
}}
c1=$(cpu_sample) || exit 1
sleep {sample}
c2=$(cpu_sample) || exit 1
mem=$(awk '/^MemTotal:/ {{ t = $2 }} /^MemAvailable:/ {{ a = $2 }}
  END {{ printf "%.0f,%.0f", t, a }}' /proc/meminfo) || exit 1
disk=$(df -P -k -- {path} | awk 'NR == 2 {{ printf "%.0f,%.0f,%.0f", $2, $3, $4 }}')
# A pipeline's status is awk's: an empty result is how a failed df shows (it said why).
[ -n "$disk" ] || exit 1
net=$(sed 's/:/ /' /proc/net/dev | awk 'NR > 2 && $1 != "lo" {{ rx += $2; tx += $10 }}
  END {{ printf "%.0f,%.0f", rx, tx }}') || exit 1
read -r load _ < /proc/loadavg
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 0)
echo "{prefix} cpu=$c1,$c2 mem=$mem disk=$disk net=$net load=$load ncpu=$ncpu"
"""


class ProbeError(ValueError):
    """The probe's output could not be read; the message quotes what was wrong."""


def probe_command(path: str = "/") -> str:
    """Return the shell command that measures the worker, for the disk holding ``path``."""
    if not isinstance(path, str) or not path or "\0" in path:
        raise ValueError(f"probe path {path!r} must be a non-empty string without NUL")
    return _PROBE_SCRIPT.format(
        sample=CPU_SAMPLE_SECONDS, path=shlex.quote(path), prefix=PROBE_PREFIX
    )


def _numbers(fields: dict[str, str], key: str, count: int) -> list[float]:
    """Read ``count`` comma-separated non-negative numbers from field ``key``."""
    raw = fields.get(key)
    if raw is None:
        raise ProbeError(f"probe output lacks the {key}= field")
    parts = raw.split(",")
    if len(parts) != count:
        raise ProbeError(f"probe field {key}={raw!r} should hold {count} numbers")
    try:
        values = [float(part) for part in parts]
    except ValueError:
        raise ProbeError(f"probe field {key}={raw!r} holds something other than numbers") from None
    if any(value < 0 for value in values):
        raise ProbeError(f"probe field {key}={raw!r} holds a negative number")
    return values


def _percent(part: float, whole: float) -> float:
    """``part`` as a percentage of ``whole``, clamped to 0..100, rounded to 0.1."""
    if whole <= 0:
        return 0.0
    return round(min(100.0, max(0.0, 100.0 * part / whole)), 1)


def parse_probe_output(output: str) -> dict[str, Any]:
    """Turn the probe's output into heartbeat metrics.

    Returns ``cpu_usage_percent``, ``memory_usage_percent``, ``disk_usage_percent`` (floats,
    0..100), ``network_rx_bytes``, ``network_tx_bytes`` (integers), plus ``load_average_1m``
    and ``cpu_count``. Lines other than the probe's (a chatty login shell) are ignored; a
    missing or malformed probe line raises :class:`ProbeError`.
    """
    lines = [line for line in output.splitlines() if line.startswith(PROBE_PREFIX + " ")]
    if not lines:
        raise ProbeError(f"probe output has no line starting with {PROBE_PREFIX!r}: {output!r}")
    fields: dict[str, str] = {}
    for item in lines[-1][len(PROBE_PREFIX) :].split():
        key, sign, value = item.partition("=")
        if not sign:
            raise ProbeError(f"probe field {item!r} is not of the form key=value")
        fields[key] = value
    total1, idle1, total2, idle2 = _numbers(fields, "cpu", 4)
    mem_total, mem_available = _numbers(fields, "mem", 2)
    _disk_size, disk_used, disk_available = _numbers(fields, "disk", 3)
    rx_bytes, tx_bytes = _numbers(fields, "net", 2)
    (load,) = _numbers(fields, "load", 1)
    (cpu_count,) = _numbers(fields, "ncpu", 1)
    busy = (total2 - total1) - (idle2 - idle1)
    return {
        "cpu_usage_percent": _percent(busy, total2 - total1),
        "memory_usage_percent": _percent(mem_total - mem_available, mem_total),
        "disk_usage_percent": _percent(disk_used, disk_used + disk_available),
        "network_rx_bytes": int(rx_bytes),
        "network_tx_bytes": int(tx_bytes),
        "load_average_1m": load,
        "cpu_count": int(cpu_count),
    }
