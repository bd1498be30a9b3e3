"""``python -m sim`` is the ``fission`` command."""

import sys

from sim.cli import main

sys.exit(main())
