"""The node's client commands on the wire (protocol.md sections 2 and 3), on both loops."""

from __future__ import annotations

import socket

import pytest


@pytest.fixture
def node(loop_procs):
    return loop_procs.node()


def test_ping_needs_no_auth_and_other_commands_do(node, connect):
    c = connect(node, auth=False)
    assert c.line("PING") == "OK PONG"
    assert c.line("GET k") == "ERR not authenticated"
    assert c.line("PUT k v") == "ERR not authenticated"


def test_wrong_shared_key_is_refused_and_connection_stays_usable(node, connect):
    c = connect(node, auth=False)
    assert c.line("NAUTH " + "0" * 64) == "ERR invalid key"
    assert c.line("PING") == "OK PONG"
    assert c.nauth() == "OK authenticated"
    assert c.nauth() == "ERR already authenticated"


def test_put_get_del_round_trip_keeps_value_spacing(node, connect):
    c = connect(node)
    assert c.line("PUT k hello  big   world ") == "OK key-value written"
    assert c.line("GET k") == "OK k hello  big   world "
    assert c.line("DEL k") == "OK key-value deleted"
    assert c.line("GET k") == "ERR key-value not found"
    assert c.line("DEL k") == "ERR key-value not found"


def test_put_without_value_stores_empty_string(node, connect):
    c = connect(node)
    assert c.line("PUT e") == "OK key-value written"
    assert c.line("GET e") == "OK e "


def test_incr_decr_exact_arithmetic(node, connect):
    c = connect(node)
    c.line("PUT n 100")
    assert c.line("INCR n") == "OK n 101"
    assert c.line("DECR n 200") == "OK n -99"
    c.line("PUT f 1.5")
    assert c.line("INCR f 1.1") == "OK f 2.6"
    assert c.line("DECR f 1.1") == "OK f 1.5"
    c.line("PUT big 99999999999999999999999999")
    assert c.line("INCR big 1") == "OK big 100000000000000000000000000"
    assert c.line("INCR missing") == "ERR key-value not found"
    c.line("PUT s abc")
    assert c.line("INCR s") == "ERR invalid value"
    assert c.line("INCR n abc") == "ERR invalid value"


def test_regx_sorted_with_offset_and_limit(node, connect):
    c = connect(node)
    for key in ["user:3", "user:1", "profile:1", "user:2"]:
        c.line(f"PUT {key} v {key}")
    assert c.call("REGX ^user:") == [b"OK 3", b"user:1 v user:1", b"user:2 v user:2",
                                      b"user:3 v user:3"]
    assert c.call("REGX ^user: 1 1") == [b"OK 1", b"user:2 v user:2"]
    assert c.call("REGX ^nothing") == [b"OK 0"]
    assert c.call("REGX [").startswith(b"ERR invalid pattern: ")
    assert c.line("REGX ^user: 1") == "ERR wrong number of arguments for 'REGX'"
    assert c.line("REGX ^user: -1 2").startswith("ERR invalid input")


@pytest.mark.parametrize(
    ("line", "reply"),
    [
        ("GET", "ERR wrong number of arguments for 'GET'"),
        ("GET a b", "ERR wrong number of arguments for 'GET'"),
        ("PUT", "ERR wrong number of arguments for 'PUT'"),
        ("DEL", "ERR wrong number of arguments for 'DEL'"),
        ("INCR", "ERR wrong number of arguments for 'INCR'"),
        ("INCR a 1 2", "ERR wrong number of arguments for 'INCR'"),
        ("REGX", "ERR wrong number of arguments for 'REGX'"),
        ("FLY me", "ERR unknown command"),
        ("STAT x", "ERR wrong number of arguments for 'STAT'"),
    ],
)
def test_malformed_commands_get_err_and_connection_survives(node, connect, line, reply):
    c = connect(node)
    assert c.line(line) == reply
    assert c.line("PING") == "OK PONG"


def test_nul_bytes_and_bad_utf8_are_refused(node, connect):
    c = connect(node)
    assert c.line(b"PUT k a\x00b").startswith("ERR invalid input")
    assert c.line(b"PUT k \xff\xfe").startswith("ERR invalid input")
    assert c.line("GET k") == "ERR key-value not found"


def test_command_names_are_case_insensitive(node, connect):
    c = connect(node)
    assert c.line("put k v") == "OK key-value written"
    assert c.line("gEt k") == "OK k v"


def test_pipelined_commands_in_one_segment_are_not_merged(node, connect):
    c = connect(node)
    c.send(b"PUT p1 v1\r\nPUT p2 v2\nGET p1\r\nGET p2\r\n")
    assert [c.read_reply() for _ in range(4)] == [
        b"OK key-value written", b"OK key-value written", b"OK p1 v1", b"OK p2 v2"]


def test_command_split_across_segments_is_one_command(node, connect):
    c = connect(node)
    for part in (b"PU", b"T q1 ", b"va", b"l\r", b"\n"):
        c.send(part)
    assert c.read_reply() == b"OK key-value written"
    assert c.line("GET q1") == "OK q1 val"


def test_half_close_still_gets_every_reply(node, connect):
    c = connect(node)
    c.send(b"".join(b"PUT h%d %d\r\n" % (i, i) for i in range(200)) + b"GET h199\r\n")
    c.sock.shutdown(socket.SHUT_WR)
    replies = [c.read_reply() for _ in range(201)]
    assert replies[-1] == b"OK h199 199"
    assert c.closed_by_peer()


def test_quit_replies_then_closes(node, connect):
    c = connect(node, auth=False)
    assert c.line("QUIT") == "OK see ya later"
    assert c.closed_by_peer()


def test_over_long_line_is_refused_and_closed(loop_procs, connect):
    node = loop_procs.node(**{"server-config": {"max-line-bytes": 1024}})
    c = connect(node)
    c.send(b"PUT k " + b"x" * 5000 + b"\r\n")
    assert c.read_reply() == b"ERR line too long"
    assert c.closed_by_peer()
    d = connect(node)
    assert d.line("PUT k " + "x" * 900) == "OK key-value written"


def test_stat_reports_sections_and_key_count(node, connect):
    c = connect(node)
    for i in range(5):
        c.line(f"PUT s{i} v")
    reply = c.call("STAT")
    assert isinstance(reply, list)
    assert int(reply[0].split()[1]) == len(reply) - 1
    assert reply[1] == b"PRIMARY " + node.address.encode()
    body = dict(line.strip().split(b" ", 1) for line in reply[2:] if line.startswith(b"\t")
                and b" " in line.strip())
    assert body[b"keys"] == b"5"
    assert all(line.startswith(b"\t") for line in reply[2:])
    text = b"\n".join(reply)
    assert b"DISK" in text and b"MEMORY" in text


def test_stat_needs_auth(node, connect):
    c = connect(node, auth=False)
    assert c.line("STAT") == "ERR not authenticated"
