"""hvassist: a desktop troubleshooting assistant for Microsoft Hyper-V."""

from importlib import metadata

try:
    __version__ = metadata.version("hvassist")
except metadata.PackageNotFoundError:  # running from a bundle without metadata
    __version__ = "0.1.0"
