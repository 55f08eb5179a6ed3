"""RESP commands to native lines, and native replies back to RESP (protocol.md section 7)."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smclient.protocol import Role
from supermassive.net.resp import RespErrorReply, encode_reply, translate


def run(args: list[bytes], *replies: bytes | list[bytes], role: Role = Role.CLUSTER) -> bytes:
    """Translate, check the number of native lines, and encode the given native replies."""
    result = translate(args, role)
    assert not isinstance(result, RespErrorReply), result
    lines, shape = result
    assert len(lines) == len(replies) or (len(lines) == 1 and len(replies) == 1)
    native: bytes | list[bytes] = replies[0] if len(lines) == 1 else list(replies)  # type: ignore[assignment]
    return encode_reply(shape, native)


def lines_of(args: list[bytes], role: Role = Role.CLUSTER) -> list[bytes]:
    result = translate(args, role)
    assert not isinstance(result, RespErrorReply), result
    return result[0]


def refused(args: list[bytes], role: Role = Role.CLUSTER) -> bytes:
    result = translate(args, role)
    assert isinstance(result, RespErrorReply), result
    assert result.data.startswith(b"-ERR ") and result.data.endswith(b"\r\n")
    assert result.data.count(b"\r\n") == 1
    return result.data


def test_ping_is_pong_and_ping_with_a_message_echoes_it():
    assert lines_of([b"PING"]) == [b"PING"]
    assert run([b"ping"], b"OK PONG") == b"+PONG\r\n"
    assert run([b"PING", b"hi there"], b"OK PONG\r\n") == b"$8\r\nhi there\r\n"


def test_set_and_native_put_become_put_and_answer_ok():
    assert lines_of([b"SET", b"k", b"v w"]) == [b"PUT k v w"]
    assert run([b"set", b"k", b"v"], b"OK key-value written") == b"+OK\r\n"
    assert lines_of([b"PUT", b"k", b"hello", b"world"]) == [b"PUT k hello world"]
    assert lines_of([b"PUT", b"k"]) == [b"PUT k "]


def test_set_with_options_is_a_syntax_error():
    assert refused([b"SET", b"k", b"v", b"EX", b"10"]).startswith(b"-ERR syntax error")


def test_get_answers_the_value_as_a_bulk_string_or_null_when_missing():
    assert lines_of([b"GET", b"k"]) == [b"GET k"]
    assert run([b"GET", b"k"], b"OK k hello  world \r\n") == b"$13\r\nhello  world \r\n"
    assert run([b"GET", b"k"], b"OK k ") == b"$0\r\n\r\n"
    assert run([b"GET", b"k"], b"ERR key-value not found") == b"$-1\r\n"
    assert run([b"GET", b"k"], b"ERR not authenticated") == b"-ERR not authenticated\r\n"


def test_del_and_exists_with_several_keys_count_the_ones_found():
    assert lines_of([b"DEL", b"a", b"b", b"c"]) == [b"DEL a", b"DEL b", b"DEL c"]
    assert run([b"DEL", b"a", b"b", b"c"], b"OK key-value deleted",
               b"ERR key-value not found", b"OK key-value deleted") == b":2\r\n"
    assert run([b"DEL", b"a"], b"ERR key-value not found") == b":0\r\n"
    assert lines_of([b"EXISTS", b"a", b"b"]) == [b"GET a", b"GET b"]
    assert run([b"EXISTS", b"a", b"b"], b"OK a 1", b"OK b ") == b":2\r\n"


def test_a_count_stops_at_a_real_error():
    assert run([b"DEL", b"a", b"b"], b"OK key-value deleted",
               b"ERR unavailable: shard down") == b"-ERR unavailable: shard down\r\n"


def test_incr_family_maps_to_native_incr_and_decr_and_answers_integers():
    assert lines_of([b"INCR", b"n"]) == [b"UPINCR n"]
    assert lines_of([b"DECR", b"n"]) == [b"UPDECR n"]
    assert lines_of([b"INCRBY", b"n", b"-5"]) == [b"UPINCR n -5"]
    assert lines_of([b"DECRBY", b"n", b"7"]) == [b"UPDECR n 7"]
    assert run([b"INCR", b"n"], b"OK n 42") == b":42\r\n"
    assert run([b"DECRBY", b"n", b"50"], b"OK n -8") == b":-8\r\n"


def test_incr_maps_to_the_creating_variant_and_passes_errors_through():
    # UPINCR creates a missing key at 0 (Redis semantics); native errors pass through.
    assert run([b"INCR", b"n"], b"ERR invalid value") == b"-ERR invalid value\r\n"


def test_incr_results_that_are_not_64_bit_integers_are_sent_as_bulk_strings():
    assert run([b"INCR", b"n"], b"OK n 2.5") == b"$3\r\n2.5\r\n"
    big = str(2**64).encode()
    assert run([b"INCR", b"n"], b"OK n " + big) == b"$%d\r\n%b\r\n" % (len(big), big)


def test_incrby_needs_an_integer_and_incrbyfloat_answers_a_bulk_string():
    assert refused([b"INCRBY", b"n", b"1.5"]) == (
        b"-ERR value is not an integer or out of range\r\n")
    assert refused([b"INCRBY", b"n", str(2**64).encode()]).startswith(b"-ERR value")
    assert lines_of([b"INCRBYFLOAT", b"n", b"1.1"]) == [b"UPINCR n 1.1"]
    assert run([b"INCRBYFLOAT", b"n", b"1.1"], b"OK n 2.6") == b"$3\r\n2.6\r\n"
    assert run([b"INCRBYFLOAT", b"n", b"x"], b"ERR invalid value") == b"-ERR invalid value\r\n"


def test_keys_becomes_an_anchored_regx_and_answers_the_keys():
    (line,) = lines_of([b"KEYS", b"user:*"])
    assert line.startswith(b"REGX ^") and b" " not in line[5:]
    reply = run([b"KEYS", b"*"], [b"OK 2", b"a 1", b"b hello world"])
    assert reply == b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    assert run([b"KEYS", b"*"], b"OK 0\r\n") == b"*0\r\n"


def test_regx_answers_keys_and_values_alternately_and_stat_a_bulk_text():
    assert lines_of([b"REGX", b"^a", b"0", b"10"]) == [b"REGX ^a 0 10"]
    blob = b"OK 2\r\na 1\r\nab x y\r\n"
    assert run([b"REGX", b"^a"], blob) == (
        b"*4\r\n$1\r\na\r\n$1\r\n1\r\n$2\r\nab\r\n$3\r\nx y\r\n")
    assert run([b"STAT"], [b"OK 2", b"PRIMARY a:1", b"\tkeys 3"]) == (
        b"$22\r\nPRIMARY a:1\r\n\tkeys 3\r\n\r\n")
    assert run([b"REGX", b"("], b"ERR invalid pattern: missing )") == (
        b"-ERR invalid pattern: missing )\r\n")


def test_a_multi_line_reply_with_a_wrong_count_is_an_error_not_a_crash():
    assert run([b"STAT"], [b"OK 3", b"x"]).startswith(b"-ERR internal error")


def test_auth_on_the_cluster_sends_base64_of_user_nul_password():
    token = base64.b64encode(b"ada\0secret")
    assert lines_of([b"AUTH", b"ada", b"secret"]) == [b"AUTH " + token]
    assert lines_of([b"AUTH", b"secret"]) == [b"AUTH " + base64.b64encode(b"default\0secret")]
    assert run([b"AUTH", b"a", b"b"], b"OK authenticated") == b"+OK\r\n"
    assert run([b"AUTH", b"a", b"b"], b"ERR invalid credentials") == (
        b"-ERR invalid credentials\r\n")


@pytest.mark.parametrize("role", [Role.NODE, Role.REPLICA])
def test_auth_on_a_node_or_replica_is_nauth_with_the_shared_key_hash(role):
    digest = hashlib.sha256(b"test-key").hexdigest().encode()
    assert lines_of([b"AUTH", b"test-key"], role) == [b"NAUTH " + digest]
    assert lines_of([b"AUTH", b"anyone", b"test-key"], role) == [b"NAUTH " + digest]
    assert run([b"AUTH", b"k"], b"ERR invalid key", role=role) == b"-ERR invalid key\r\n"


def test_quit_answers_ok_and_asks_for_the_close_without_a_native_line():
    result = translate([b"QUIT"])
    assert not isinstance(result, RespErrorReply)
    lines, shape = result
    assert lines == [] and shape.close
    assert encode_reply(shape, []) == b"+OK\r\n"


def test_command_docs_and_config_get_answer_empty_arrays():
    assert run([b"COMMAND", b"DOCS"]) == b"*0\r\n"
    assert run([b"config", b"get", b"save"]) == b"*0\r\n"
    assert refused([b"CONFIG", b"SET", b"save", b""]).startswith(b"-ERR unknown subcommand")


def test_unknown_commands_name_the_command_safely():
    assert refused([b"FLUSHALL"]) == b"-ERR unknown command 'FLUSHALL'\r\n"
    assert refused([b"X\r\nY'"]) == b"-ERR unknown command 'X??Y?'\r\n"


@pytest.mark.parametrize("args", [[b"GET"], [b"GET", b"a", b"b"], [b"SET", b"k"], [b"DEL"],
                                  [b"INCR"], [b"INCRBY", b"k"], [b"KEYS"], [b"AUTH"],
                                  [b"PING", b"a", b"b"], [b"STAT", b"x"], [b"REGX", b"a", b"0"]])
def test_wrong_arity_is_refused_with_the_native_message(args):
    name = args[0].decode()
    assert refused(args) == f"-ERR wrong number of arguments for '{name}'\r\n".encode()


@given(key=st.builds(lambda a, bad, b: a + bad + b, st.binary(max_size=10),
                    st.sampled_from([b" ", b"\r", b"\n", b"\x00"]), st.binary(max_size=10)))
def test_keys_with_space_cr_lf_or_nul_are_refused_as_invalid_input(key):
    for args in ([b"GET", key], [b"SET", key, b"v"], [b"DEL", b"ok", key], [b"INCR", key]):
        assert refused(args).startswith(b"-ERR invalid input")


@given(value=st.builds(lambda a, bad, b: a + bad + b, st.binary(max_size=10),
                      st.sampled_from([b"\r", b"\n", b"\x00"]), st.binary(max_size=10)))
def test_values_with_cr_lf_or_nul_are_refused_but_spaces_are_fine(value):
    assert refused([b"SET", b"k", value]).startswith(b"-ERR invalid input")
    assert lines_of([b"SET", b"k", b"a b "]) == [b"PUT k a b "]


def test_an_unexpected_native_reply_is_an_error_not_a_crash():
    assert run([b"SET", b"k", b"v"], b"garbage").startswith(b"-ERR internal error")
    assert run([b"GET", b"k"], b"") .startswith(b"-ERR internal error")


def test_hello_2_answers_the_server_properties_and_may_authenticate():
    reply = run([b"HELLO", b"2"])
    assert reply.startswith(b"*14\r\n$6\r\nserver\r\n$12\r\nsupermassive\r\n")
    assert b"$5\r\nproto\r\n:2\r\n" in reply
    assert run([b"HELLO"]) == reply
    token = base64.b64encode(b"ada\0pw")
    assert lines_of([b"HELLO", b"2", b"AUTH", b"ada", b"pw", b"SETNAME", b"x"]) == [
        b"AUTH " + token]
    assert run([b"HELLO", b"2", b"AUTH", b"ada", b"pw"], b"OK authenticated") == reply
    assert run([b"HELLO", b"2", b"AUTH", b"ada", b"no"], b"ERR invalid credentials") == (
        b"-ERR invalid credentials\r\n")


def test_hello_3_is_refused_with_noproto_so_clients_fall_back_to_resp2():
    assert translate([b"HELLO", b"3"]) == RespErrorReply(
        b"-NOPROTO sorry, this protocol version is not supported\r\n")
    assert refused([b"HELLO", b"x"]).startswith(b"-ERR Protocol version")
    assert refused([b"HELLO", b"2", b"AUTH", b"only-user"]).startswith(b"-ERR syntax error")


def test_client_setname_setinfo_and_select_0_are_accepted():
    assert run([b"CLIENT", b"SETINFO", b"LIB-NAME", b"redis-py"]) == b"+OK\r\n"
    assert run([b"client", b"setname", b"me"]) == b"+OK\r\n"
    assert run([b"SELECT", b"0"]) == b"+OK\r\n"
    assert refused([b"SELECT", b"1"]).startswith(b"-ERR DB index is out of range")
    assert refused([b"CLIENT", b"KILL"]).startswith(b"-ERR unknown subcommand")
