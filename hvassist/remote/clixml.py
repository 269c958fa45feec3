"""Decode the CLIXML that powershell.exe writes to stderr (``#< CLIXML`` + ``<Objs>``)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - parses the host's stderr, no entities expanded

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def decode_stderr(data: bytes) -> str:
    """Error/warning text of a CLIXML stderr stream; other text is returned as is.

    Progress records (``<Obj S="progress">``) are dropped: they are noise, not errors."""
    text = data.decode("utf-8", errors="replace")
    lines: list[str] = []
    for part in re.split(r"#< CLIXML\r?\n", text):
        part = part.strip()
        if not part:
            continue
        if not part.startswith("<Objs"):
            lines.append(part)
            continue
        try:
            root = ET.fromstring(re.sub(r'\sxmlns="[^"]+"', "", part, count=1))  # noqa: S314
        except ET.ParseError:
            lines.append(part)
            continue
        for node in root:
            if node.tag == "S" and node.get("S", "").lower() in ("error", "warning", ""):
                lines.append(_unescape(node.text or ""))
    return "".join(lines).strip()
