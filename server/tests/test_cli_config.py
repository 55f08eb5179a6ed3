"""Start-up errors are one clear line and a non-zero exit; defaults are created commented."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from supermassive import config as cfgmod


def run(args: list[str], cwd: Path, timeout_s: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "supermassive", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout_s)


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "error" in line.lower()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("supermassive: error: "), lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_missing_shared_key_is_a_one_line_error(tmp_path):
    assert_one_line_error(run(["--instance-type", "node"], tmp_path), "shared-key")


def test_unknown_instance_type_is_a_one_line_error(tmp_path):
    assert_one_line_error(run(["--instance-type", "router", "--shared-key", "k"], tmp_path),
                          "router")


def test_cluster_needs_credentials_unless_local(tmp_path):
    assert_one_line_error(run(["--shared-key", "k"], tmp_path), "--username")


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("journal-sync: sometimes\n", [".node", "journal-sync", "sometimes"]),
        ("server-config: {buffer-size: 0}\n", ["server-config.buffer-size", "minimum"]),
        ("server-config: [\n", [".node", "invalid YAML"]),
        ("bogus-key: 1\n", ["bogus-key", "unknown key"]),
        ("read-replicas: {a: 1}\n", ["read-replicas", "list"]),
        ("server-config: {use-tls: true, cert-file: /nonexistent.pem, key-file: /x}\n",
         ["cert-file", "/nonexistent.pem"]),
        ("health-check-interval: fast\n", ["health-check-interval", "number"]),
        ("- just\n- a list\n", ["top level"]),
    ],
)
def test_bad_node_config_is_a_one_line_error(tmp_path, text, needles):
    (tmp_path / ".node").write_text(text)
    assert_one_line_error(run(["--instance-type", "node", "--shared-key", "k"], tmp_path),
                          *needles)


def test_port_in_use_is_a_one_line_error(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        (tmp_path / ".node").write_text(f"server-config: {{address: '127.0.0.1:{port}'}}\n"
                                        "read-replicas: []\n")
        assert_one_line_error(run(["--instance-type", "node", "--shared-key", "k"], tmp_path),
                              "cannot listen")


@pytest.mark.parametrize("role", ["cluster", "node", "node-replica"])
def test_default_config_files_parse_and_are_commented(tmp_path, role):
    text = cfgmod.default_text(role)
    assert text.count("#") > 10
    parsed = cfgmod.parse_config(role, tmp_path / "x", text)
    assert parsed.server.address == f"localhost:{cfgmod.DEFAULT_PORTS[role]}"


def test_missing_config_file_is_created(tmp_path):
    path = tmp_path / ".nodereplica"
    cfg = cfgmod.load_config("node-replica", path)
    assert path.exists() and cfg.journal_sync == "everysec"
