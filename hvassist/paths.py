"""Where hvassist keeps settings, data, logs and cache.

Order: ``HVASSIST_HOME`` (one folder for everything: the demo's throwaway profile, tests), then
portable mode (a file named ``hvassist-portable`` next to the executable: everything lives in a
``data`` folder beside it), then the platform's usual places (platformdirs).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "hvassist"
APP_AUTHOR = "hvassist"
PORTABLE_MARKER = "hvassist-portable"


@dataclass(frozen=True)
class AppPaths:
    config: Path
    data: Path
    log: Path
    cache: Path
    mode: str  # "platform", "portable" or "home"

    @property
    def audit_log(self) -> Path:
        return self.log / "audit.jsonl"

    @property
    def app_log(self) -> Path:
        return self.log / "hvassist.log"

    def ensure(self) -> AppPaths:
        for p in (self.config, self.data, self.log, self.cache):
            p.mkdir(parents=True, exist_ok=True)
        return self

    def all_dirs(self) -> list[Path]:
        return [self.config, self.data, self.log, self.cache]


def _executable_dir() -> Path:
    return Path(sys.executable).resolve().parent


def app_paths() -> AppPaths:
    home = os.environ.get("HVASSIST_HOME")
    if home:
        base = Path(home)
        return AppPaths(base / "config", base / "data", base / "logs", base / "cache", "home")
    exe_dir = _executable_dir()
    if getattr(sys, "frozen", False) and (exe_dir / PORTABLE_MARKER).exists():
        base = exe_dir / "data"
        return AppPaths(base / "config", base / "data", base / "logs", base / "cache", "portable")
    import platformdirs  # not needed with HVASSIST_HOME or in portable mode

    return AppPaths(
        Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)),
        Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)),
        Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)),
        Path(platformdirs.user_cache_dir(APP_NAME, APP_AUTHOR)),
        "platform",
    )
