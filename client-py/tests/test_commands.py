"""Every command of protocol.md section 3, through both APIs, against a real node."""

from __future__ import annotations

import inspect
import uuid
from decimal import Decimal
from typing import Any

import pytest

import smclient

Db = smclient.Client | smclient.AsyncClient


async def call(value: Any) -> Any:
    """Await ``value`` if awaitable: one test body drives both client APIs."""
    return await value if inspect.isawaitable(value) else value


def fresh(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


async def test_ping_returns_true(db: Db) -> None:
    assert await call(db.ping()) is True


async def test_put_then_get_returns_the_value_with_spaces(db: Db) -> None:
    key = fresh("k")
    assert await call(db.put(key, "hello  wide world ")) is True
    assert await call(db.get(key)) == "hello  wide world "


async def test_empty_and_unicode_values_round_trip(db: Db) -> None:
    key = fresh("k")
    await call(db.put(key, ""))
    assert await call(db.get(key)) == ""
    await call(db.put(key, "héllo ✓ 日本"))
    assert await call(db.get(key)) == "héllo ✓ 日本"


async def test_get_missing_key_returns_none(db: Db) -> None:
    assert await call(db.get(fresh("missing"))) is None


async def test_delete_returns_true_then_false(db: Db) -> None:
    key = fresh("k")
    await call(db.put(key, "v"))
    assert await call(db.delete(key)) is True
    assert await call(db.delete(key)) is False
    assert await call(db.get(key)) is None


async def test_incr_and_decr_keep_integers_integers(db: Db) -> None:
    key = fresh("n")
    await call(db.put(key, 10))
    assert await call(db.incr(key)) == 11
    assert await call(db.decr(key, 20)) == -9
    big = 10**30
    assert await call(db.incr(key, big)) == big - 9
    assert isinstance(await call(db.decr(key)), int)


async def test_incr_with_fractions_is_exact(db: Db) -> None:
    key = fresh("n")
    await call(db.put(key, "1.5"))
    assert await call(db.incr(key, Decimal("1.1"))) == Decimal("2.6")
    assert await call(db.decr(key, Decimal("1.1"))) == Decimal("1.5")


async def test_incr_missing_key_raises_key_not_found(db: Db) -> None:
    with pytest.raises(smclient.KeyNotFoundError):
        await call(db.incr(fresh("missing")))


async def test_incr_non_numeric_raises_invalid_value(db: Db) -> None:
    key = fresh("s")
    await call(db.put(key, "abc"))
    with pytest.raises(smclient.InvalidValueError):
        await call(db.incr(key))


async def test_regx_returns_sorted_pairs_and_pages(db: Db) -> None:
    prefix = fresh("r")
    for i in (3, 1, 2):
        await call(db.put(f"{prefix}:{i}", f"value {i}"))
    pairs = await call(db.regx(f"^{prefix}:"))
    assert pairs == [(f"{prefix}:{i}", f"value {i}") for i in (1, 2, 3)]
    assert await call(db.regx(f"^{prefix}:", 1, 1)) == [(f"{prefix}:2", "value 2")]
    assert await call(db.regx(f"^{fresh('none')}$")) == []


async def test_regx_bad_pattern_raises_invalid_pattern(db: Db) -> None:
    with pytest.raises(smclient.InvalidPatternError):
        await call(db.regx("(unclosed"))


async def test_stat_has_a_primary_section(db: Db) -> None:
    stat = await call(db.stat())
    assert isinstance(stat, smclient.Stat)
    assert stat.sections and stat.sections[0].kind == "PRIMARY"
    assert stat.lines


async def test_reload_config_returns_true(db: Db) -> None:
    assert await call(db.reload_config()) is True


async def test_bad_arguments_raise_value_error_and_send_nothing(db: Db) -> None:
    with pytest.raises(ValueError):
        await call(db.put("a key", "v"))
    with pytest.raises(ValueError):
        await call(db.put(fresh("k"), "line1\r\nDEL victim"))
    with pytest.raises(ValueError):
        await call(db.execute_raw("GET a\r\nGET b"))
    assert await call(db.ping()) is True


async def test_execute_raw_returns_err_without_raising(db: Db) -> None:
    reply = await call(db.execute_raw("NOSUCHCOMMAND x"))
    assert reply == smclient.RawReply(False, "ERR unknown command", [])
    missing = await call(db.execute_raw(f"GET {fresh('missing')}"))
    assert not missing.ok and missing.text == "ERR key-value not found"


async def test_execute_raw_reads_multi_line_replies_whole(db: Db) -> None:
    prefix = fresh("raw")
    await call(db.put(f"{prefix}:a", "1 2"))
    reply = await call(db.execute_raw(f"regx ^{prefix}:"))
    assert reply == smclient.RawReply(True, "OK 1", [f"{prefix}:a 1 2"])
    stat = await call(db.execute_raw("STAT"))
    assert stat.ok and len(stat.lines) == int(stat.text.split()[1])


async def test_execute_raw_quit_closes_only_that_connection(db: Db) -> None:
    reply = await call(db.execute_raw("QUIT"))
    assert reply.ok
    assert await call(db.ping()) is True


async def test_pipeline_returns_replies_in_order(db: Db) -> None:
    key = fresh("p")
    pipe = db.pipeline()
    pipe.put(key, "1").incr(key).get(key).delete(key).get(key).regx(f"^{key}$")
    results = await call(pipe.execute())
    assert results == [True, 2, "2", True, None, []]


async def test_pipeline_sends_a_thousand_commands(db: Db) -> None:
    prefix = fresh("many")
    pipe = db.pipeline()
    for i in range(1000):
        pipe.put(f"{prefix}:{i:04}", f"v{i}")
    pipe.regx(f"^{prefix}:", 0, 5)
    results = await call(pipe.execute())
    assert results[:1000] == [True] * 1000
    assert results[1000] == [(f"{prefix}:{i:04}", f"v{i}") for i in range(5)]


async def test_pipeline_errors_are_returned_or_raised(db: Db) -> None:
    key = fresh("p")
    pipe = db.pipeline(raise_on_error=False)
    pipe.incr(key).put(key, "x").get(key)
    first, second, third = await call(pipe.execute())
    assert isinstance(first, smclient.KeyNotFoundError)
    assert (second, third) == (True, "x")
    pipe.incr(key).get(key)
    with pytest.raises(smclient.InvalidValueError):
        await call(pipe.execute(raise_on_error=True))
    assert pipe.results[1] == "x"


async def test_pipeline_context_executes_what_is_queued(db: Db) -> None:
    key = fresh("ctx")
    pipe: smclient.Pipeline | smclient.AsyncPipeline
    if isinstance(db, smclient.Client):
        with db.pipeline() as pipe:
            pipe.put(key, "v").get(key)
    else:
        async with db.pipeline() as apipe:
            apipe.put(key, "v").get(key)
        pipe = apipe
    assert pipe.results == [True, "v"]
    with pytest.raises(smclient.ClientClosedError):
        pipe.ping()
