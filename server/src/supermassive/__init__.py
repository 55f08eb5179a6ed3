"""SuperMassive server: the cluster, node and node-replica roles in one asyncio package."""

__version__ = "0.1.0"
