"""The package's version, in a module of its own: a module inside ``sim`` reads it from
here (``from sim.version import __version__``), not from the package, whose public names
reach the whole engine and the experiment layer."""

__version__ = "0.1.0"
