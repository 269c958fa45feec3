"""Answer a WinRM command on a lab host the way the real host would.

The command line must be ``powershell.exe ... -EncodedCommand <BOOTSTRAP>`` and stdin must hold a
shipped script, byte-identical to ``resources/ps/<name>.ps1``, plus its base64 JSON parameters.
Anything else is answered as a real host would answer a script the lab cannot run: an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import GeneratorType

from hvassist.lab import faults
from hvassist.lab.answers import ANSWERS, LabCall, LabPSError
from hvassist.lab.answers.base import printed, ps_json
from hvassist.lab.costs import Costs
from hvassist.lab.model import VM, Estate, Host
from hvassist.lab.wsman import CommandIO, clixml_error
from hvassist.remote.scripts import BOOTSTRAP, SEPARATOR, all_scripts, decode_params, parse_header


def _error_record(script_text: str, err: LabPSError) -> str:
    """PowerShell's error view: message, position of the failing cmdlet in the script, category."""
    if err.cmdlet == "throw":
        return _thrown_record(script_text, err)
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


def _thrown_record(script_text: str, err: LabPSError) -> str:
    """What PowerShell prints for the script's own ``throw <text>``: the text, the throw statement, then
    OperationStopped / RuntimeException with the text as the error id. ``err.error_id`` may name a word of
    the intended throw line so the position points at the right one."""
    lines = script_text.splitlines()
    marker = err.error_id if err.error_id and "," not in err.error_id else ""
    line_no, line = 1, ""
    for i, text in enumerate(lines, start=1):
        if re.match(r"\s*(?:.*\{\s*)?throw\b", text) and marker in text:
            line_no, line = i, text
            break
    col = max(line.find("throw"), 0) + 1
    underline = " " * (col - 1) + "~" * max(len(line.strip()), 1)
    short = err.message if len(err.message) <= 40 else err.message[:37] + "..."
    return ("%s\r\nAt line:%d char:%d\r\n+ %s\r\n+ %s\r\n"
            "    + CategoryInfo          : OperationStopped: (%s:String) [], RuntimeException\r\n"
            "    + FullyQualifiedErrorId : %s\r\n") % (err.message, line_no, col, line.strip(), underline, short,
                                                      err.message)


def wmi_shutting_down() -> LabPSError:
    """What Get-VM throws while the host's WMI service is shutting down (a host on its way into a restart)."""
    return LabPSError(
        "Get-VM", "The operation on computer 'localhost' failed: The WS-Management service cannot process the "
        "request. The WMI service or the WMI provider returned an unknown error: HRESULT 0x80041033",
        "NotSpecified", "VirtualizationException")


def _write_broken(io: CommandIO, kind: str, result: object) -> None:
    """What a script prints when its output is broken on the way (``faults.OUTPUT_FAULTS``)."""
    text = printed(result)
    if kind == "truncated_json":  # the output stops in the middle of the document
        io.write(text[: len(text) // 2])
    elif kind == "invalid_json":  # a vendor module's Write-Host banner lands in front of the JSON
        io.write("Loaded HPE 3PAR VSS Provider tools 3.4.0.12\r\n" + text + "\r\n")
    elif kind == "invalid_utf8":  # written in the console's ANSI code page instead of UTF-8
        data = text.encode("cp1252", errors="replace")
        try:
            data.decode("utf-8")
            data += b"\r\n\xa0"  # nothing outside ASCII to garble: a stray code-page byte after it
        except UnicodeDecodeError:
            pass
        io.write(data + b"\r\n")
    elif kind == "50mb":  # a runaway collection: tens of thousands of events, about 50 MB of JSON
        event = ps_json({"log": "System", "provider": "Microsoft-Windows-Kernel-General", "id": 16,
                         "level": "Information", "time": "2026-01-01T00:00:00Z",
                         "message": "The access history in hive \\??\\C:\\Users\\x\\ntuser.dat was cleared. " * 12,
                         "properties": []})
        doc = dict(result) if isinstance(result, dict) else {"result": result}
        doc["events"] = []
        head, _, tail = ps_json(doc).partition('"events":[')
        io.write(head + '"events":[')
        count = (50 * 1024 * 1024) // (len(event) + 1)
        for start in range(0, count, 1000):
            if io.cancelled:  # the client stopped reading
                return
            n = min(1000, count - start)
            io.write(",".join([event] * n) + ("," if start + n < count else ""))
        io.write(tail + "\r\n")
    else:
        raise ValueError(kind)


class LabHost:
    """The command handler of one lab host's WinRM endpoint."""

    def __init__(self, estate: Estate, host: Host, guest_vm: VM | None = None, *, costs: Costs | None = None,
                 accept_naive_benchmark_scripts: bool = False) -> None:
        self.estate = estate
        self.host = host
        self.guest_vm = guest_vm  # this endpoint is the guest OS of that VM, reached over the network
        self.costs = costs or Costs.off()
        self.accept_naive_benchmark_scripts = accept_naive_benchmark_scripts
        self.powershell_starts = 0
        self.scripts_run: list[str] = []
        self.last_params: dict[str, object] = {}  # what the last script received, as the host decoded it
        self.restarted = False  # a ``reboot`` fault fires once

    def __call__(self, io: CommandIO) -> int:
        refusal = faults.command_refusal(self.host, io.command_line.split(" ")[0])
        if refusal is not None:
            io.write(refusal, "stderr")
            return 1
        script_b64 = io.encoded_script
        if script_b64 is None:
            io.write("'%s' is not recognized as an internal or external command,\r\noperable program or "
                     "batch file.\r\n" % io.command_line.split(" ")[0], "stderr")
            return 1
        self.powershell_starts += 1
        if script_b64 != BOOTSTRAP and self.accept_naive_benchmark_scripts:
            from hvassist.lab.naive_benchmark import answer_naive_script

            return answer_naive_script(self.estate, self.host, self.costs, script_b64, io)  # decoded text
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
        if self.guest_vm is not None and (name != "collect-guest" or not self._guest_account(io.username)):
            io.write(clixml_error("hvassist lab: this is the guest %s; it answers only collect-guest, for the "
                                  "scenario's guest account." % self.guest_vm.name), "stderr")
            return 1
        self.scripts_run.append(name)
        self.last_params = params
        call = LabCall(self.estate, self.host, name, params, io.username, lambda text: io.write(text),
                       io.wait_cancelled, guest_vm=self.guest_vm, costs=self.costs)
        broken = faults.broken_output(self.host, name)
        try:
            if broken == "exception":
                raise wmi_shutting_down()
            result = answer(call)
            if broken is not None and not isinstance(result, GeneratorType | Iterator):
                _write_broken(io, broken, result)
                return 0
            if isinstance(result, GeneratorType | Iterator):
                for item in result:
                    if io.cancelled:
                        return 1
                    io.write((item if isinstance(item, str) else ps_json(item)) + "\r\n")
            elif result is not None:
                io.write(printed(result) + "\r\n")
                seconds = None if self.restarted else faults.restart_after(self.host, result)
                if seconds is not None:
                    self.restarted = True
                    io.restart_host_after(seconds)
        except LabPSError as err:
            io.write(clixml_error(_error_record(script_text, err)), "stderr")
            return 1
        return 0

    def _guest_account(self, username: str | None) -> bool:
        creds = self.estate.guest_credentials
        return (creds is not None and self.guest_vm is not None and self.guest_vm.guest.accepts_credentials
                and (username or "").split("\\")[-1].lower() == creds.user.lower())
