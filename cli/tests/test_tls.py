"""TLS: a node serving TLS with a private CA (trustme), reached with --tls --cacert."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from smclient.testing import ServerProcess, free_port, node_config

Smcli = Callable[..., Any]

trustme = pytest.importorskip("trustme")


@pytest.fixture(scope="module")
def tls_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, Path]]:
    """A node serving TLS only, and the PEM file of the CA that signed its certificate."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    directory = tmp_path_factory.mktemp("tls-node")
    cert_file, key_file, ca_file = (directory / n for n in ("cert.pem", "key.pem", "ca.pem"))
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    ca.cert_pem.write_to_path(str(ca_file))
    port = free_port()
    server_config = {"address": f"127.0.0.1:{port}", "use-tls": True,
                     "cert-file": str(cert_file), "key-file": str(key_file)}
    config = node_config(port)
    config["server-config"] = server_config
    proc = ServerProcess("node", directory, port, config).start()
    try:
        yield proc, ca_file
    finally:
        proc.stop()


def test_tls_with_the_private_ca_works(smcli: Smcli, tls_node: tuple[ServerProcess, Path]) -> None:
    node, ca_file = tls_node
    result = smcli("-p", str(node.port), "--shared-key", "test-key", "--tls",
                   "--cacert", str(ca_file), "PING")
    assert (result.code, result.stdout) == (0, "OK PONG\n"), result.stderr


def test_tls_without_the_ca_is_a_one_line_verification_error(
    smcli: Smcli, tls_node: tuple[ServerProcess, Path],
) -> None:
    node, _ = tls_node
    result = smcli("-p", str(node.port), "--shared-key", "test-key", "--tls", "PING")
    assert result.code == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "certificate verification failed" in result.stderr and "--cacert" in result.stderr


def test_plain_client_against_tls_server_fails_in_one_line(
    smcli: Smcli, tls_node: tuple[ServerProcess, Path],
) -> None:
    node, _ = tls_node
    result = smcli("-p", str(node.port), "--shared-key", "test-key",
                   "--connect-timeout", "2", "--timeout", "2", "PING")
    assert result.code == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "--tls" in result.stderr
