"""Interface and namespace names of netns runs: unique per run, within the kernel's limits."""

from __future__ import annotations

from smchaos.db.netns import NetnsNetwork

IFNAMSIZ = 15  # the kernel's limit on an interface name, without the NUL


def test_two_runs_of_one_process_get_different_tags() -> None:
    tags = {NetnsNetwork().tag for _ in range(50)}
    assert len(tags) == 50


def test_every_interface_name_fits_the_kernel_limit() -> None:
    for _ in range(200):
        net = NetnsNetwork()
        net.plan([f"m{i}" for i in range(10)])
        names = [net.bridge] + [f"sm{end}{net.tag}x{i}" for end in "hn" for i in range(10)]
        assert all(len(name) <= IFNAMSIZ for name in names), names
        assert net.prefix.startswith("10.")
