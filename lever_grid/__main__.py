"""``python -m lever_grid``."""

import sys

from .cli import main

sys.exit(main())
