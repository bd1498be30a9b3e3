"""``python -m sim`` is the ``fission`` command."""

from sim.cli import console

console()
