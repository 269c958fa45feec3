"""``hvassist triage [FILE|-] [--json]``: rank the likely causes of a pasted backup error."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from hvassist.offline.textfile import decode_text_bytes
from hvassist.triage import TriageResult, triage_text

_WHERE = {"host": "On the host, run", "guest": "Inside the VM, run", "product": "In the backup product"}


def register(sub: Any) -> None:
    p = sub.add_parser(
        "triage",
        help="rank the likely causes of a pasted error (event text, job error, vssadmin output, code)",
        description="Reads an event text, a backup job's error, `vssadmin list writers` output or an error "
        "code from FILE (or standard input) and lists the likely causes, best first.",
    )
    p.add_argument(
        "file",
        nargs="?",
        default="-",
        metavar="FILE|-",
        help="text file to read (any encoding Windows writes); - or nothing reads standard input",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run_triage)


def _read_input(name: str) -> bytes:
    if name == "-":
        if sys.stdin is None:
            return b""
        if sys.stdin.isatty():
            print(
                "Paste the error text, then press Ctrl+D (on Windows: Ctrl+Z, then Enter).", file=sys.stderr
            )
        buffer = getattr(sys.stdin, "buffer", None)
        return buffer.read() if buffer is not None else sys.stdin.read().encode("utf-8", "replace")
    with open(name, "rb") as f:
        return f.read()


def _confidence(score: float) -> str:
    return "high" if score >= 0.8 else "medium" if score >= 0.5 else "low"


def format_human(result: TriageResult) -> str:
    lines: list[str] = []
    if result.unrecognised:
        lines.append("Nothing in this text looks like a Hyper-V backup problem that hvassist knows.")
        lines.append(
            "Tip: paste the whole event (Event Viewer: Copy > Copy details as text), the backup job's "
            "error message, or the output of `vssadmin list writers`."
        )
    elif not result.causes:
        lines.append("hvassist recognised parts of this text, but they do not point at a likely cause.")
    else:
        lines.append("Likely causes, best first:")
        for n, cause in enumerate(result.causes, 1):
            lines.append("")
            lines.append(f"{n}. {cause.title}")
            confidence = f"   Confidence: {_confidence(cause.score)} ({cause.score:.2f})"
            # While a cause has no text yet its title is the id; don't print it twice.
            lines.append(confidence if cause.title == cause.id else f"{confidence}   Cause id: {cause.id}")
            if cause.evidence:
                lines.append(
                    "   Seen in the text: {}".format("; ".join(f'"{e}"' for e in cause.evidence[:3]))
                )
            lines.append(f"   Next step: {cause.next_step}")
            if cause.command:
                lines.append("   {}: {}".format(_WHERE.get(cause.where, "Run"), cause.command))
    if result.recognised:
        lines.append("")
        lines.append("Recognised in the text:")
        lines.extend(f"  - {item}" for item in result.recognised)
    if result.notes:
        lines.append("")
        lines.extend(f"Note: {note}" for note in result.notes)
    return "\n".join(lines)


def run_triage(args: argparse.Namespace) -> int:
    try:
        data = _read_input(args.file)
    except OSError as e:
        print(f"Cannot read {args.file}: {e.strerror or e}", file=sys.stderr)
        return 2
    result = triage_text(decode_text_bytes(data))
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        reconfigure = getattr(sys.stdout, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")  # a legacy console code page must not crash the output
        print(format_human(result))
    return 1 if result.causes else 0
