"""HelixCode coordination core: the runner, the CLI and database access."""

__version__ = "0.1.0"
