"""Locate the files under ``resources/`` the same way from a source checkout, a wheel and a bundle."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path


@cache
def resources_dir() -> Path:
    """The ``resources`` folder: PyInstaller bundle, installed wheel (``hvassist/_resources``) or checkout."""
    here = Path(__file__).resolve().parent
    candidates = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.append(Path(bundle) / "resources")
    candidates += [here / "_resources", here.parent / "resources"]
    for c in candidates:
        if (c / "ps").is_dir():
            return c
    raise FileNotFoundError("hvassist resources not found (looked in: %s)" % ", ".join(map(str, candidates)))


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def read_text(*parts: str) -> str:
    return resource_path(*parts).read_text(encoding="utf-8")
