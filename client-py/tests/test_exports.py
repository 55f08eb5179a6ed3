"""The public names of smclient (a façade over private modules), as Trio guards them."""

from __future__ import annotations

import inspect

import smclient

METHODS = ["ping", "put", "get", "delete", "incr", "decr", "regx", "stat", "reload_config",
           "execute_raw", "pipeline", "close"]


def test_every_public_name_is_exported_and_documented() -> None:
    for name in smclient.__all__:
        obj = getattr(smclient, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert obj.__doc__, name
    assert not [n for n in smclient.__all__ if n.startswith("_") and n != "__version__"]


def test_both_clients_have_the_same_methods_and_signatures() -> None:
    for name in METHODS:
        sync = getattr(smclient.Client, name)
        async_ = getattr(smclient.AsyncClient, name)
        assert sync.__doc__ and async_.__doc__
        sync_params = list(inspect.signature(sync).parameters)
        async_params = list(inspect.signature(async_).parameters)
        assert sync_params == async_params, name
        if name != "pipeline":
            assert inspect.iscoroutinefunction(async_), name
            assert not inspect.iscoroutinefunction(sync), name


def test_pipeline_classes_mirror_each_other() -> None:
    sync = {n for n in dir(smclient.Pipeline) if not n.startswith("_")}
    async_ = {n for n in dir(smclient.AsyncPipeline) if not n.startswith("_")}
    assert sync == async_


def test_testing_helpers_are_exported_and_documented() -> None:
    import smclient.testing as testing

    for name in testing.__all__:
        obj = getattr(testing, name)
        assert obj.__doc__, name
