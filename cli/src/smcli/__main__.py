"""``python -m smcli``."""

import sys

from smcli.main import main

sys.exit(main())
