"""The SSH transport against real sshd workers: reuse, trust, authentication, vanishing."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from helixcode.transport import (
    AuthenticationFailed,
    CommandSpec,
    HostKeyMismatch,
    InvalidWorkerConfig,
    LocalTransport,
    SSHTransport,
    TransportPool,
    UnknownHostKey,
    WorkerConfig,
    WorkerUnreachable,
)
from helixcode.transport import known_hosts
from tests.sshd import SshdCluster, SshdWorker


WAIT = 15.0


def ssh_transport(worker: SshdWorker, known_hosts_file: Path, **options: Any) -> SSHTransport:
    """A transport to ``worker`` with quick reconnection, as the failure tests need."""
    options.setdefault("reconnect_delay", 0.05)
    options.setdefault("reconnect_max_delay", 0.2)
    options.setdefault("connect_timeout", 3.0)
    options.setdefault("use_agent", False)
    return SSHTransport(
        f"worker-{worker.host}",
        WorkerConfig.from_ssh_config(worker.ssh_config()),
        known_hosts=known_hosts_file,
        **options,
    )


def accepted_logins(worker: SshdWorker) -> int:
    """How many times the worker's sshd accepted a login, from its log."""
    return worker.log_file.read_text().count("Accepted publickey")


def ssh_keygen(path: Path, key_type: str = "ed25519") -> Path:
    """Make a key pair at ``path``; return the public key's path."""
    subprocess.run(
        ["ssh-keygen", "-q", "-t", key_type, "-N", "", "-f", str(path)],
        check=True,
        stdin=subprocess.DEVNULL,
    )
    return path.with_suffix(".pub")


def openssh_fingerprint(public_key: Path) -> str:
    """The SHA256 fingerprint ``ssh-keygen -l`` prints for ``public_key``."""
    listed = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(public_key)], check=True, capture_output=True, text=True
    )
    return listed.stdout.split()[1]


def test_connection__one_per_worker_for_every_task_and_probe(
    sshd_cluster: SshdCluster, fresh_sshd_worker: SshdWorker
) -> None:
    with ssh_transport(fresh_sshd_worker, sshd_cluster.known_hosts) as transport:
        for number in range(4):
            assert transport.run(CommandSpec(f"exit {number}")).wait(WAIT) == number
        processes = [transport.run(CommandSpec(f"sleep 0.3; exit {n}")) for n in range(6)]
        # Six at once: the channels of one connection run side by side.
        assert [process.wait(WAIT) for process in processes] == list(range(6))
        transport.probe()
        assert transport.connection_count == 1
    assert accepted_logins(fresh_sshd_worker) == 1


def test_connection__concurrent_first_use_opens_one(
    sshd_cluster: SshdCluster, fresh_sshd_worker: SshdWorker
) -> None:
    codes: list[int] = []
    with ssh_transport(fresh_sshd_worker, sshd_cluster.known_hosts) as transport:

        def run_one() -> None:
            codes.append(transport.run(CommandSpec("true")).wait(WAIT))

        threads = [threading.Thread(target=run_one) for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT)
        assert codes == [0] * 5
        assert transport.connection_count == 1
    assert accepted_logins(fresh_sshd_worker) == 1


def test_unknown_host__refused_with_the_way_to_trust_it(
    sshd_worker: SshdWorker, tmp_path: Path
) -> None:
    empty = tmp_path / "known_hosts"
    transport = ssh_transport(sshd_worker, empty)
    with pytest.raises(UnknownHostKey) as caught:
        transport.run(CommandSpec("true"))
    fingerprint = openssh_fingerprint(sshd_worker.host_key.with_suffix(".pub"))
    assert caught.value.fingerprint == fingerprint
    assert caught.value.key_type == "ssh-ed25519"
    message = str(caught.value)
    assert f"helix worker trust {sshd_worker.host}:{sshd_worker.port}" in message
    assert str(empty) in message
    assert fingerprint in message
    assert not transport.connected


def test_unknown_host__accepted_once_trusted(sshd_worker: SshdWorker, tmp_path: Path) -> None:
    file = tmp_path / "ssh" / "known_hosts"
    result = known_hosts.trust(sshd_worker.host, sshd_worker.port, file)
    assert result.added
    assert result.name == f"[{sshd_worker.host}]:{sshd_worker.port}"
    assert result.fingerprint == openssh_fingerprint(sshd_worker.host_key.with_suffix(".pub"))
    assert file.read_text() == sshd_worker.host_key_line + "\n"
    assert file.stat().st_mode & 0o777 == 0o600
    with ssh_transport(sshd_worker, file) as transport:
        assert transport.run(CommandSpec("true")).wait(WAIT) == 0
    again = known_hosts.trust(sshd_worker.host, sshd_worker.port, file)
    assert not again.added
    assert file.read_text().count("\n") == 1


def test_worker_known_hosts__its_own_file_wins_over_the_runners(
    sshd_worker: SshdWorker, tmp_path: Path
) -> None:
    own = tmp_path / "worker_known_hosts"
    own.write_text(sshd_worker.host_key_line + "\n")
    runners = tmp_path / "runner_known_hosts"
    runners.write_text("")
    config = WorkerConfig.from_ssh_config(sshd_worker.ssh_config(known_hosts=str(own)))
    with SSHTransport(sshd_worker.name, config, known_hosts=runners,
                      use_agent=False) as transport:
        assert transport.known_hosts == own
        assert transport.run(CommandSpec("true")).wait(WAIT) == 0
    with pytest.raises(InvalidWorkerConfig, match="known_hosts ''"):
        WorkerConfig.from_ssh_config(sshd_worker.ssh_config(known_hosts=""))


def test_trust__appends_after_a_last_line_without_newline(
    sshd_worker: SshdWorker, tmp_path: Path
) -> None:
    file = tmp_path / "known_hosts"
    file.write_text("other.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBlY9UvLm9kB6wWf1Xx6GBLu")
    known_hosts.trust(sshd_worker.host, sshd_worker.port, file)
    lines = file.read_text().splitlines()
    assert lines[0].startswith("other.example ")
    assert lines[1] == sshd_worker.host_key_line


def test_trust__refuses_an_unexpected_fingerprint(
    sshd_worker: SshdWorker, tmp_path: Path
) -> None:
    file = tmp_path / "known_hosts"
    with pytest.raises(HostKeyMismatch, match="not the expected SHA256:bogus"):
        known_hosts.trust(
            sshd_worker.host, sshd_worker.port, file, expected_fingerprint="SHA256:bogus"
        )
    assert not file.exists()


def test_mismatched_host_key__refused_loudly(
    sshd_worker: SshdWorker, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    impostor = ssh_keygen(tmp_path / "impostor")
    key_type, key = impostor.read_text().split()[:2]
    file = tmp_path / "known_hosts"
    file.write_text(f"[{sshd_worker.host}]:{sshd_worker.port} {key_type} {key}\n")
    with pytest.raises(HostKeyMismatch) as caught:
        ssh_transport(sshd_worker, file).run(CommandSpec("true"))
    assert "HOST KEY MISMATCH" in str(caught.value)
    assert openssh_fingerprint(impostor) in str(caught.value)
    assert any(r.levelname == "ERROR" and "MISMATCH" in r.getMessage() for r in caplog.records)
    with pytest.raises(HostKeyMismatch):
        known_hosts.trust(sshd_worker.host, sshd_worker.port, file)
    assert file.read_text().count("\n") == 1


def test_mismatched_host_key__other_key_type_on_record_is_refused(
    sshd_worker: SshdWorker, tmp_path: Path
) -> None:
    recorded = ssh_keygen(tmp_path / "recorded", "ecdsa")
    key_type, key = recorded.read_text().split()[:2]
    file = tmp_path / "known_hosts"
    file.write_text(f"[{sshd_worker.host}]:{sshd_worker.port} {key_type} {key}\n")
    with pytest.raises(HostKeyMismatch, match="offers none of the host key types"):
        ssh_transport(sshd_worker, file).run(CommandSpec("true"))


def test_authentication__unauthorised_key_refused(
    sshd_cluster: SshdCluster, sshd_worker: SshdWorker, tmp_path: Path
) -> None:
    stranger = tmp_path / "stranger"
    ssh_keygen(stranger)
    config = WorkerConfig.from_ssh_config(sshd_worker.ssh_config(identity_file=str(stranger)))
    transport = SSHTransport(
        "worker-stranger", config, known_hosts=sshd_cluster.known_hosts, use_agent=False
    )
    with pytest.raises(AuthenticationFailed) as caught:
        transport.run(CommandSpec("true"))
    assert str(stranger) in str(caught.value)
    assert "authorized_keys" in str(caught.value)


def test_authentication__unreadable_identity_file_named(
    sshd_cluster: SshdCluster, sshd_worker: SshdWorker, tmp_path: Path
) -> None:
    missing = tmp_path / "nope"
    config = WorkerConfig.from_ssh_config(sshd_worker.ssh_config(identity_file=str(missing)))
    transport = SSHTransport("worker-nokey", config, known_hosts=sshd_cluster.known_hosts)
    with pytest.raises(AuthenticationFailed, match=f"identity_file '{missing}'.*cannot be read"):
        transport.run(CommandSpec("true"))


def test_vanished_worker__unreachable_then_reconnected_after_restart(
    sshd_cluster: SshdCluster, fresh_sshd_worker: SshdWorker
) -> None:
    started = threading.Event()
    transport = ssh_transport(fresh_sshd_worker, sshd_cluster.known_hosts)
    with transport:
        running = transport.run(
            CommandSpec("echo up; sleep 1000"),
            on_stdout=lambda line: started.set() if line == "up" else None,
        )
        assert started.wait(WAIT)
        fresh_sshd_worker.kill()
        with pytest.raises(WorkerUnreachable, match="was lost while task"):
            running.wait(WAIT)
        with pytest.raises(WorkerUnreachable):
            transport.run(CommandSpec("true"))
        assert not transport.connected

        fresh_sshd_worker.start()
        deadline = time.monotonic() + WAIT
        while True:
            try:
                code = transport.run(CommandSpec("echo back")).wait(WAIT)
                break
            except WorkerUnreachable:
                assert time.monotonic() < deadline, "the transport never reconnected"
                time.sleep(0.05)
        assert code == 0
        assert transport.connected
        assert transport.connection_count == 2


def test_unreachable__backoff_fails_fast_between_attempts(
    sshd_cluster: SshdCluster, fresh_sshd_worker: SshdWorker
) -> None:
    fresh_sshd_worker.kill()
    transport = ssh_transport(fresh_sshd_worker, sshd_cluster.known_hosts, reconnect_delay=30.0)
    with pytest.raises(WorkerUnreachable, match="cannot connect"):
        transport.run(CommandSpec("true"))
    fresh_sshd_worker.start()
    # The worker is back, but the transport waits out its backoff before trying again.
    with pytest.raises(WorkerUnreachable, match="next attempt in"):
        transport.run(CommandSpec("true"))
    assert transport.connection_count == 0


def test_signal_group__refuses_process_group_one(
    sshd_cluster: SshdCluster, sshd_worker: SshdWorker
) -> None:
    transport = ssh_transport(sshd_worker, sshd_cluster.known_hosts)
    with pytest.raises(ValueError, match="above 1"):
        transport.signal_group(1, signal.SIGKILL)
    assert transport.connection_count == 0


@pytest.mark.parametrize(
    ("ssh_config", "fragment"),
    [
        ({"port": 22}, "host None must be a non-empty string"),
        ({"host": "w", "port": 0}, "port 0 is outside 1..65535"),
        ({"host": "w", "port": "22"}, "port '22' must be an integer"),
        ({"host": "w", "transport": "telnet"}, "transport 'telnet' is not one of"),
        ({"host": "w", "password": "x"}, "unknown keys ['password']"),
        ({"host": "w", "identity_file": ""}, "identity_file '' must be a non-empty string"),
    ],
)
def test_worker_config__refuses_bad_ssh_config(ssh_config: dict[str, Any], fragment: str) -> None:
    with pytest.raises(InvalidWorkerConfig) as caught:
        WorkerConfig.from_ssh_config(ssh_config)
    assert fragment in str(caught.value)


def test_pool__one_transport_per_worker_replaced_when_config_changes(
    sshd_cluster: SshdCluster, sshd_worker: SshdWorker
) -> None:
    pool = TransportPool(known_hosts=sshd_cluster.known_hosts, use_agent=False)
    try:
        first = pool.get("w1", sshd_worker.ssh_config())
        assert isinstance(first, SSHTransport)
        assert pool.get("w1", sshd_worker.ssh_config()) is first
        assert first.run(CommandSpec("true")).wait(WAIT) == 0
        second = pool.get("w1", sshd_worker.ssh_config(identity_file=str(sshd_cluster.user_key)))
        assert second is first
        idle_replaced = pool.get("w1", sshd_worker.ssh_config(user=sshd_cluster.user + "x"))
        assert idle_replaced is not first
        assert not first.connected
        assert isinstance(pool.get("here", {"transport": "local"}), LocalTransport)

        busy = pool.get("w2", sshd_worker.ssh_config())
        running = busy.run(CommandSpec("sleep 1000"))
        pool.get("w2", sshd_worker.ssh_config(port=sshd_worker.port + 1))
        # Replaced while a command runs: left alone until the pool closes.
        assert running.poll() is None
        assert busy.connected
    finally:
        pool.close()
    assert running.terminated
    assert running.poll() is not None
