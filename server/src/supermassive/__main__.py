"""``python -m supermassive`` runs the server (same as the ``supermassive`` script)."""

from supermassive.cli import main

raise SystemExit(main())
