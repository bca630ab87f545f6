"""The metrics probe: its parser, and the command run for real on a worker over SSH."""

from __future__ import annotations

import subprocess

import pytest

from helixcode import probe
from helixcode.transport import SSHTransport, WorkerConfig
from tests.sshd import SshdCluster, SshdWorker


SAMPLE = (
    "Last login: yesterday\n"
    "@@helix-probe/1 cpu=1000,800,1400,1100 mem=8000000,6000000 disk=1000,300,700 "
    "net=12345678901,987 load=0.42 ncpu=4\n"
)


def test_parse__computes_percentages_and_counters() -> None:
    assert probe.parse_probe_output(SAMPLE) == {
        # 400 jiffies passed, 300 of them idle.
        "cpu_usage_percent": 25.0,
        "memory_usage_percent": 25.0,
        "disk_usage_percent": 30.0,
        "network_rx_bytes": 12345678901,
        "network_tx_bytes": 987,
        "load_average_1m": 0.42,
        "cpu_count": 4,
    }


def test_parse__idle_interval_and_empty_totals_are_zero() -> None:
    line = "@@helix-probe/1 cpu=5,5,5,5 mem=0,0 disk=0,0,0 net=0,0 load=0.00 ncpu=1"
    metrics = probe.parse_probe_output(line)
    assert metrics["cpu_usage_percent"] == 0.0
    assert metrics["memory_usage_percent"] == 0.0
    assert metrics["disk_usage_percent"] == 0.0


@pytest.mark.parametrize(
    ("output", "fragment"),
    [
        ("nothing here", "no line starting with '@@helix-probe/1'"),
        ("@@helix-probe/1 cpu=1,2,3 mem=1,1 disk=1,1,1 net=1,1 load=1 ncpu=1", "cpu='1,2,3'"),
        ("@@helix-probe/1 cpu=1,2,3,4 disk=1,1,1 net=1,1 load=1 ncpu=1", "lacks the mem= field"),
        ("@@helix-probe/1 cpu=1,2,3,4 mem=a,b disk=1,1,1 net=1,1 load=1 ncpu=1", "mem='a,b'"),
        ("@@helix-probe/1 cpu=1,2,3,4 mem=1,1 disk=1,-1,1 net=1,1 load=1 ncpu=1", "negative"),
        ("@@helix-probe/1 cpu=1,2,3,4 oops", "'oops' is not of the form key=value"),
    ],
)
def test_parse__malformed_output_is_refused(output: str, fragment: str) -> None:
    with pytest.raises(probe.ProbeError) as caught:
        probe.parse_probe_output(output)
    assert fragment in str(caught.value)


def test_command__quotes_the_path_and_reports_its_disk(tmp_path: pytest.TempPathFactory) -> None:
    odd = tmp_path / "it's a dir"  # type: ignore[operator]
    odd.mkdir()
    ran = subprocess.run(
        ["/bin/sh", "-c", probe.probe_command(str(odd))], capture_output=True, text=True
    )
    assert ran.returncode == 0, ran.stderr
    metrics = probe.parse_probe_output(ran.stdout)
    assert 0.0 < metrics["disk_usage_percent"] <= 100.0


def test_command__missing_path_fails() -> None:
    ran = subprocess.run(
        ["/bin/sh", "-c", probe.probe_command("/no/such/path")], capture_output=True, text=True
    )
    assert ran.returncode != 0


def test_probe__over_ssh_on_a_real_worker(
    sshd_cluster: SshdCluster, sshd_worker: SshdWorker
) -> None:
    config = WorkerConfig.from_ssh_config(sshd_worker.ssh_config())
    with SSHTransport("probed", config, known_hosts=sshd_cluster.known_hosts) as transport:
        first = transport.probe()
        second = transport.probe("/tmp")
        assert transport.connection_count == 1
    for metrics in (first, second):
        assert set(metrics) >= {
            "cpu_usage_percent",
            "memory_usage_percent",
            "disk_usage_percent",
            "network_rx_bytes",
            "network_tx_bytes",
        }
        assert 0.0 < metrics["memory_usage_percent"] < 100.0
        assert metrics["cpu_count"] >= 1
    # Counters only grow.
    assert second["network_rx_bytes"] >= first["network_rx_bytes"]
