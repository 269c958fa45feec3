"""The PowerShell scripts hvassist ships (``resources/ps``) and how they travel to a host.

Every script starts with a header::

    # hvassist-script: collect-host/1
    # min-windows-server: 2012r2          (or 2008r2 for WMI v1 scripts)
    # powershell: 4.0
    # output: collect-host.schema.json    (JSON Schema beside the script; "jsonl" scripts stream lines)
    # params: VMName

and takes its parameters as one base64 string of UTF-8 JSON (``param([string]$ParamsB64)``).
Parameters are data: they are never spliced into script text.

Helpers several scripts share (the PowerShell 2.0 JSON writer and reader, the WMI v1 helpers) live once in
``resources/ps/lib/``; a line ``# hvassist-include: <file>.ps1`` is replaced by that file when the script is
loaded, so what travels to a host (and what the tests check) is always one whole, self-contained script.

On the wire, the command line is a short fixed bootstrap (``BOOTSTRAP``) given to
``powershell.exe -EncodedCommand``. It reads stdin, splits it at ``SEPARATOR`` into the script and
its parameters, and runs the script. The lab accepts only scripts byte-identical to the shipped ones.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from hvassist.resources import resource_path

SEPARATOR = "\0\0\0\0"
# PowerShell 2.0 compatible; kept short: it travels UTF-16LE+base64 through cmd.exe's 8191 chars.
BOOTSTRAP = (
    "$ProgressPreference='SilentlyContinue';$ErrorActionPreference='Stop';"
    "$s=($input|Out-String).Split([string[]]@(\"`0`0`0`0\"),2,[StringSplitOptions]::None);"
    "&([ScriptBlock]::Create($s[0])) $s[1].Trim()"
)
POWERSHELL_ARGS = ["-NoLogo", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand"]

_HEADER = re.compile(r"^#\s*([a-z-]+):\s*(.*?)\s*$")
_INCLUDE = re.compile(r"^# hvassist-include: ([\w.-]+\.ps1)[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class Script:
    name: str
    version: int
    text: str
    min_windows_server: str
    powershell: str
    output: str
    params: tuple[str, ...] = field(default_factory=tuple)

    @property
    def schema(self) -> dict[str, Any] | None:
        if not self.output.endswith(".json"):
            return None
        loaded: dict[str, Any] = json.loads(resource_path("ps", self.output).read_text(encoding="utf-8"))
        return loaded

    def payload(self, params: dict[str, Any]) -> bytes:
        """What goes to the host's stdin: the script, the separator, the parameters as base64 JSON."""
        unknown = set(params) - set(self.params)
        if unknown:
            raise ValueError("%s does not take parameters %s" % (self.name, sorted(unknown)))
        return (self.text + SEPARATOR + encode_params(params)).encode("utf-8")


def encode_params(params: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(params, ensure_ascii=False).encode("utf-8")).decode("ascii")


def decode_params(b64: str) -> dict[str, Any]:
    value = json.loads(base64.b64decode(b64.strip(), validate=True).decode("utf-8"))
    if not isinstance(value, dict):
        raise ValueError("parameters must be a JSON object")
    return value


def encoded_bootstrap() -> str:
    return base64.b64encode(BOOTSTRAP.encode("utf-16-le")).decode("ascii")


def parse_header(text: str) -> dict[str, str]:
    header: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        m = _HEADER.match(line)
        if m:
            header[m.group(1)] = m.group(2)
    return header


def expand_includes(text: str, script: str = "script", _within: tuple[str, ...] = ()) -> str:
    """``text`` with each ``# hvassist-include: <file>.ps1`` line replaced by ``resources/ps/lib/<file>.ps1``
    (whose own includes are expanded too)."""

    def include(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in _within:
            raise ValueError("%s: %s includes itself (through %s)" % (script, name, " -> ".join(_within)))
        path = resource_path("ps", "lib", name)
        if not path.is_file():
            raise ValueError("%s: includes %s, which is not in resources/ps/lib" % (script, name))
        return expand_includes(path.read_text(encoding="utf-8").removesuffix("\n"), script, (*_within, name))

    return _INCLUDE.sub(include, text)


@cache
def all_scripts() -> dict[str, Script]:
    scripts: dict[str, Script] = {}
    for path in sorted(resource_path("ps").glob("*.ps1")):
        text = expand_includes(path.read_text(encoding="utf-8"), path.name)
        h = parse_header(text)
        ident = h.get("hvassist-script", "")
        name, _, version = ident.partition("/")
        if not name or not version.isdigit():
            raise ValueError("%s: missing '# hvassist-script: name/version' header" % path.name)
        if name != path.stem:
            raise ValueError("%s: header names %r" % (path.name, name))
        params = tuple(p.strip() for p in h.get("params", "").split(",") if p.strip())
        scripts[name] = Script(name, int(version), text, h.get("min-windows-server", ""),
                               h.get("powershell", ""), h.get("output", ""), params)
    return scripts


def get_script(name: str) -> Script:
    try:
        return all_scripts()[name]
    except KeyError:
        raise KeyError("no shipped script named %r" % name) from None
