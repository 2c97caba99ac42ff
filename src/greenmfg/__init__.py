"""greenmfg: energy and greenhouse-gas accounting for the green transformation of manufacturing."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("greenmfg")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
