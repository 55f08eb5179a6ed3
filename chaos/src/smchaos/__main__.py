"""``python -m smchaos``."""

import sys

from smchaos.cli import main

sys.exit(main())
