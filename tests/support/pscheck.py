"""Static checks of shipped PowerShell scripts (no PowerShell here): parse with tree-sitter, list the
cmdlets and parameters used, check them against Microsoft's reference (shared/ps-reference/cmdlets.json),
and list the property names a script builds with ``[pscustomobject]@{...}``."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import tree_sitter
import tree_sitter_pwsh

REPO = Path(__file__).resolve().parents[2]
# shared/ps-reference beside the checkout, or beside one of its parents (git worktrees live deeper)
REFERENCE = next((p / "shared" / "ps-reference" / "cmdlets.json" for p in (*REPO.parents, *Path.cwd().parents)
                  if (p / "shared" / "ps-reference" / "cmdlets.json").exists()),
                 REPO.parent / "shared" / "ps-reference" / "cmdlets.json")

COMMON_PARAMETERS = {"verbose", "debug", "erroraction", "warningaction", "informationaction", "errorvariable",
                     "warningvariable", "informationvariable", "outvariable", "outbuffer", "pipelinevariable",
                     "whatif", "confirm"}
NATIVE_COMMANDS = {"vssadmin", "vssadmin.exe", "chcp.com", "secedit.exe"}
# Windows PowerShell version each Windows Server ships with
PS_OF = {"2012": "3.0", "2012r2": "4.0", "2016": "5.1", "2019": "5.1", "2022": "5.1", "2025": "5.1"}
_LANG = tree_sitter.Language(tree_sitter_pwsh.language())


def parse(text: str) -> tuple[tree_sitter.Tree, bytes]:
    src = text.encode("utf-8")
    return tree_sitter.Parser(_LANG).parse(src), src


def syntax_errors(text: str) -> list[str]:
    tree, src = parse(text)
    out: list[str] = []

    def walk(n: tree_sitter.Node) -> None:
        if n.is_error or n.is_missing:
            out.append("%s at %d:%d %r" % ("MISSING" if n.is_missing else "ERROR", n.start_point[0] + 1,
                                          n.start_point[1] + 1, src[n.start_byte:n.end_byte][:60]))
            return
        for c in n.children:
            walk(c)

    walk(tree.root_node)
    return out


def commands(text: str) -> list[tuple[str, list[str], int]]:
    """(command name, parameter names without '-', line) for every command in the script."""
    tree, src = parse(text)
    found: list[tuple[str, list[str], int]] = []

    def walk(n: tree_sitter.Node) -> None:
        if n.type == "command":
            name_node = next((c for c in n.children if c.type == "command_name"), None)
            if name_node is not None:
                params: list[str] = []
                for c in n.children:
                    if c.type == "command_elements":
                        params += [src[p.start_byte:p.end_byte].decode().lstrip("-").split(":")[0]
                                   for p in c.children if p.type == "command_parameter"]
                found.append((src[name_node.start_byte:name_node.end_byte].decode(), params,
                              n.start_point[0] + 1))
        for c in n.children:
            walk(c)

    walk(tree.root_node)
    return found


def pscustomobject_keys(text: str) -> set[str]:
    tree, src = parse(text)
    keys: set[str] = set()

    def walk(n: tree_sitter.Node) -> None:
        if n.type == "hash_literal_body":
            before = src[max(0, n.start_byte - 80):n.start_byte].decode("utf-8", "replace")
            # PowerShell 3+: [pscustomobject]@{...}; 2.0 (2008 R2 scripts): New-Object PSObject -Property @{...}
            if re.search(r"(\[pscustomobject\]|New-Object\s+(-TypeName\s+)?PSObject\s+-Property)\s*@\{\s*$",
                         before, re.I):
                for e in n.children:
                    if e.type == "hash_entry":
                        k = next((c for c in e.children if c.type == "key_expression"), None)
                        if k is not None:
                            keys.add(src[k.start_byte:k.end_byte].decode().strip("'\""))
        for c in n.children:
            walk(c)

    walk(tree.root_node)
    return keys


def schema_property_names(schema: Any) -> set[str]:
    """Property names an object schema (and its nested object schemas) declares."""
    names: set[str] = set()
    if not isinstance(schema, dict):
        return names
    for name, sub in (schema.get("properties") or {}).items():
        names.add(name)
        names |= schema_property_names(sub)
    for key in ("items", "additionalProperties"):
        names |= schema_property_names(schema.get(key))
    for key in ("$defs", "definitions"):
        for sub in (schema.get(key) or {}).values():
            names |= schema_property_names(sub)
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key) or []:
            names |= schema_property_names(sub)
    return names


@cache
def reference() -> dict[str, Any]:
    return json.loads(REFERENCE.read_text(encoding="utf-8"))


def cmdlet_table(windows_server: str) -> dict[str, dict[str, Any]]:
    """Cmdlet name (lower case) -> parameters, for that Windows Server and its PowerShell version."""
    ref = reference()
    table: dict[str, dict[str, Any]] = {}
    for module in ref["windows_server"].get(windows_server, {}).values():
        for name, params in module.items():
            table[name.lower()] = params
    for module in ref["powershell"].get(PS_OF.get(windows_server, "5.1"), {}).values():
        for name, params in module.items():
            table.setdefault(name.lower(), params)
    return table


def cmdlet_problems(text: str, windows_server: str) -> list[str]:
    table = cmdlet_table(windows_server)
    problems: list[str] = []
    defined = {m.lower() for m in re.findall(r"^\s*function\s+([\w-]+)", text, re.M | re.I)}
    for name, params, line in commands(text):
        if name.lower() in NATIVE_COMMANDS or name.lower() in defined:
            continue
        spec = table.get(name.lower())
        if spec is None:
            problems.append("line %d: %s does not exist on Windows Server %s" % (line, name, windows_server))
            continue
        known: dict[str, str] = {}
        for pname, info in spec.items():
            known[pname.lower()] = pname
            for alias in info.get("aliases", []):
                if not alias.startswith("Required"):
                    known[alias.lower()] = pname
        for p in params:
            pl = p.lower()
            if pl in known or pl in COMMON_PARAMETERS:
                continue
            matches = {v for k, v in known.items() if k.startswith(pl)}
            if len(matches) != 1:
                problems.append("line %d: %s has no parameter -%s on Windows Server %s" % (
                    line, name, p, windows_server))
    return problems
