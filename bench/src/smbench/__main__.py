"""``python -m smbench``: the same as the ``smbench`` command."""

import sys

from smbench.cli import main

sys.exit(main())
