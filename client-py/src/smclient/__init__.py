"""SuperMassive Python SDK (placeholder until the SDK issue lands)."""

__version__ = "0.1.0"
