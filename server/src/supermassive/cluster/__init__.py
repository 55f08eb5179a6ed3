"""The cluster role's parts (the asyncio shell is :mod:`supermassive.roles.cluster`).

Pure cores: :mod:`~.request` (validation), :mod:`~.auth` (AUTH tokens), :mod:`~.merge`
(versions, winners, losers, REGX paging), :mod:`~.rotation` (write round robin),
:mod:`~.membership` (RCNF diffs), :mod:`~.stat` (STAT assembly).
Asyncio parts: :mod:`~.link` (one pipelined connection), :mod:`~.member` (a member and its
pool), :mod:`~.health` (watchers), :mod:`~.topology` (shards, live reload), :mod:`~.fanout`
(parallel reads with replica fail-over), :mod:`~.keyorder` (per-key write order),
:mod:`~.repair` (background read repair), :mod:`~.router` (the data commands),
:mod:`~.service` (the cluster: STAT, RCNF, lifecycle), :mod:`~.handler` (client commands).
See ``docs/internals/routing.md``.
"""
