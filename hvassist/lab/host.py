"""Answer a WinRM command on a lab host the way the real host would.

The command line must be ``powershell.exe ... -EncodedCommand <BOOTSTRAP>`` and stdin must hold a
shipped script, byte-identical to ``resources/ps/<name>.ps1``, plus its base64 JSON parameters.
Anything else is answered as a real host would answer a script the lab cannot run: an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import GeneratorType

from hvassist.lab.answers import ANSWERS, LabCall, LabPSError
from hvassist.lab.answers.base import ps_json
from hvassist.lab.model import Estate, Host
from hvassist.lab.wsman import CommandIO, clixml_error
from hvassist.remote.scripts import BOOTSTRAP, SEPARATOR, all_scripts, decode_params, parse_header


def _error_record(script_text: str, err: LabPSError) -> str:
    """PowerShell's error view: message, position of the failing cmdlet in the script, category."""
    line_no, line = 1, ""
    for i, text in enumerate(script_text.splitlines(), start=1):
        if re.search(r"\b%s\b" % re.escape(err.cmdlet), text) and not text.lstrip().startswith("#"):
            line_no, line = i, text
            break
    col = max(line.find(err.cmdlet), 0) + 1
    underline = " " * (col - 1) + "~" * max(len(line.strip()), 1)
    if err.cmdlet == "throw":  # the script's own throw: PowerShell shows the text without a cmdlet name
        return ("%s\r\nAt line:%d char:%d\r\n+ %s\r\n+ %s\r\n    + CategoryInfo          : OperationStopped: "
                "(:) [], RuntimeException\r\n    + FullyQualifiedErrorId : %s\r\n") % (
            err.message, line_no, col, line, underline, err.message)
    return ("%s : %s\r\nAt line:%d char:%d\r\n+ %s\r\n+ %s\r\n"
            "    + CategoryInfo          : %s: (:) [%s], %s\r\n    + FullyQualifiedErrorId : %s\r\n") % (
        err.cmdlet, err.message, line_no, col, line, underline, err.category, err.cmdlet, err.exception,
        err.error_id)


class LabHost:
    """The command handler of one lab host's WinRM endpoint."""

    def __init__(self, estate: Estate, host: Host) -> None:
        self.estate = estate
        self.host = host
        self.powershell_starts = 0
        self.scripts_run: list[str] = []

    def __call__(self, io: CommandIO) -> int:
        script_b64 = io.encoded_script
        if script_b64 is None:
            io.write("'%s' is not recognized as an internal or external command,\r\noperable program or "
                     "batch file.\r\n" % io.command_line.split(" ")[0], "stderr")
            return 1
        self.powershell_starts += 1
        if script_b64 != BOOTSTRAP:
            io.write(clixml_error("hvassist lab: only hvassist's bootstrap command can run here (the lab "
                                  "cannot execute arbitrary PowerShell)."), "stderr")
            return 1
        stdin = io.stdin.decode("utf-8", errors="replace")
        script_text, sep, params_b64 = stdin.partition(SEPARATOR)
        if not sep:
            io.write(clixml_error("Exception calling \"Create\" with \"1\" argument(s): \"The script has no "
                                  "parameters block.\""), "stderr")
            return 1
        header = parse_header(script_text)
        name = header.get("hvassist-script", "").partition("/")[0]
        shipped = all_scripts().get(name)
        if shipped is None or shipped.text != script_text:
            io.write(clixml_error("hvassist lab: the script %r is not byte-identical to a shipped script; "
                                  "the lab answers only scripts from resources/ps." % (name or "?")), "stderr")
            return 1
        answer = ANSWERS.get(name)
        if answer is None:
            io.write(clixml_error("hvassist lab: no answer is modelled for %s." % name), "stderr")
            return 1
        try:
            params = decode_params(params_b64)
        except ValueError as e:
            io.write(clixml_error("ConvertFrom-Json : Invalid JSON primitive: %s" % e), "stderr")
            return 1
        self.scripts_run.append(name)
        call = LabCall(self.estate, self.host, name, params, io.username, lambda text: io.write(text),
                       io.wait_cancelled)
        try:
            result = answer(call)
            if isinstance(result, GeneratorType | Iterator):
                for item in result:
                    if io.cancelled:
                        return 1
                    io.write((item if isinstance(item, str) else ps_json(item)) + "\r\n")
            elif result is not None:
                io.write(ps_json(result) + "\r\n")
        except LabPSError as err:
            io.write(clixml_error(_error_record(script_text, err)), "stderr")
            return 1
        return 0
