"""The audit log: one JSON line per change hvassist makes (or tries to make) on a host."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from hvassist.logsetup import redact

_LOCK = threading.Lock()


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path

    def record(self, *, host: str, vm: str | None, action: str, script: str, params: dict[str, Any],
               result: str, remote_user: str = "", detail: str = "", plan_id: str = "",
               cause: str = "", step: str = "") -> dict[str, Any]:
        entry = {
            "time": _now(),
            "who": _local_user(),
            "remote_user": remote_user,
            "host": host,
            "vm": vm,
            "cause": cause,
            "plan": plan_id,
            "step": step,
            "action": action,
            "script": script,
            "params": params,
            "result": result,
            "detail": redact(detail)[:4000],
        }
        line = json.dumps(entry, ensure_ascii=False)
        with _LOCK:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
        return entry

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a half-written last line after a crash
        return out


def _local_user() -> str:
    try:
        import getpass

        return getpass.getuser()
    except Exception:
        return "unknown"


def _now() -> str:
    import datetime as dt  # with the first entry: the app's start does not need it

    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
