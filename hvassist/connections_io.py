"""Import and export saved connections as CSV or JSON. Never with passwords: those stay in the keyring.

Groups are written as paths ("Customer A / Site 1") rather than internal ids, so a file can be edited
by hand, mailed to a colleague, or built in a spreadsheet. A CSV has one row per group, cluster or
host (column ``kind``); columns are matched by name, in any order, and unknown columns are ignored.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hvassist.connections import Connection, ConnectionStore, validate_connection

FORMAT = "hvassist-connections"
CSV_COLUMNS = ["kind", "group", "name", "cluster", "address", "port", "transport", "auth", "username",
               "pinned_sha256", "allow_credssp"]
_SECRET_COLUMNS = {"password", "pass", "pwd", "secret", "kennwort", "passwort"}


@dataclass
class ImportReport:
    groups_added: int = 0
    added: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already there
    problems: list[str] = field(default_factory=list)  # rows that could not be imported, and why
    notes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        parts = ["%d connection(s) imported" % len(self.added)]
        if self.groups_added:
            parts.append("%d customer(s)/site(s) created" % self.groups_added)
        if self.skipped:
            parts.append("%d already there" % len(self.skipped))
        if self.problems:
            parts.append("%d row(s) with problems" % len(self.problems))
        return ", ".join(parts) + "."


# -- export ------------------------------------------------------------------------------------------------
def export_rows(store: ConnectionStore) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for g in sorted(store.groups, key=lambda g: store.group_path(g.id).lower()):
        rows.append({"kind": "group", "group": store.group_path(g.parent), "name": g.name, "cluster": "",
                     "address": "", "port": "", "transport": "", "auth": "", "username": g.username,
                     "pinned_sha256": "", "allow_credssp": ""})
    order = {"cluster": 0, "host": 1}
    for c in sorted(store.connections, key=lambda c: (order.get(c.kind, 2), store.group_path(c.group).lower(),
                                                      c.name.lower())):
        cluster = store.connection(c.cluster)
        rows.append({"kind": c.kind, "group": store.group_path(c.group), "name": c.name,
                     "cluster": cluster.name if cluster else "", "address": c.address, "port": c.port or "",
                     "transport": c.transport, "auth": c.auth, "username": c.username,
                     "pinned_sha256": c.pinned_sha256, "allow_credssp": "yes" if c.allow_credssp else ""})
    return rows


def export_json(store: ConnectionStore) -> str:
    rows = export_rows(store)
    connections = [dict(r) for r in rows if r["kind"] != "group"]
    for c in connections:
        c["port"] = int(c["port"] or 0)
        c["allow_credssp"] = c["allow_credssp"] == "yes"
    doc = {
        "format": FORMAT, "version": 1, "exported": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "note": "No passwords: they stay in the keyring of the computer they were entered on.",
        "groups": [{"path": _join(r["group"], r["name"]), "username": r["username"]}
                   for r in rows if r["kind"] == "group"],
        "connections": connections,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def export_csv(store: ConnectionStore) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    # with "\n" as the line end, the minimal quoting would leave a carriage return in a value unquoted, and a
    # reader would end the row there: such rows are quoted throughout
    quoted = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writeheader()
    for row in export_rows(store):
        (quoted if any("\r" in str(v) for v in row.values()) else writer).writerow(row)
    return out.getvalue()


def export_file(store: ConnectionStore, path: Path) -> int:
    """Write CSV or JSON (by the file's extension); returns the number of connections written."""
    text = export_csv(store) if path.suffix.lower() == ".csv" else export_json(store)
    path.write_text(text, encoding="utf-8-sig" if path.suffix.lower() == ".csv" else "utf-8")
    return len(store.connections)


# -- import ------------------------------------------------------------------------------------------------
def import_file(store: ConnectionStore, path: Path) -> ImportReport:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="cp1252")  # a spreadsheet saved as "CSV (Windows)"
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        return import_json(store, text)
    return import_csv(store, text)


def import_json(store: ConnectionStore, text: str) -> ImportReport:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        return ImportReport(problems=["The file is not valid JSON (line %d): %s." % (e.lineno, e.msg)])
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        return ImportReport(problems=["This is not an hvassist connections file (its 'format' is not %r)." % FORMAT])
    rows: list[dict[str, Any]] = []
    for g in doc.get("groups") or []:
        if isinstance(g, dict):
            parent, _, name = str(g.get("path", "")).rpartition("/")
            rows.append({"kind": "group", "group": parent, "name": name, "username": g.get("username", "")})
    for c in doc.get("connections") or []:
        if isinstance(c, dict):
            rows.append(dict(c))
    return _import_rows(store, rows, "entry")


def import_csv(store: ConnectionStore, text: str) -> ImportReport:
    # The delimiter from the header row (a spreadsheet in some locales saves with ';'). The quote character is
    # always '"', as spreadsheets and the export write it: guessing it from the data (csv.Sniffer) takes a
    # user name like O'Brien for a quote and merges rows.
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count) if any(d in header for d in ",;\t") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    if not reader.fieldnames or "name" not in [f.strip().lower() for f in reader.fieldnames]:
        return ImportReport(problems=["The CSV file needs a header row with at least a 'name' column "
                                      "(columns: %s)." % ", ".join(CSV_COLUMNS)])
    report_notes: list[str] = []
    secret = [f for f in reader.fieldnames if f.strip().lower() in _SECRET_COLUMNS]
    if secret:
        report_notes.append("The column '%s' was ignored: hvassist never imports passwords. Enter them in the "
                            "app; they are kept in the keyring." % secret[0])
    rows = []
    for raw in reader:
        rows.append({(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()
                     if (k or "").strip().lower() not in _SECRET_COLUMNS})
    report = _import_rows(store, rows, "row", first_number=2)
    report.notes[:0] = report_notes
    return report


def _import_rows(store: ConnectionStore, rows: list[dict[str, Any]], unit: str, first_number: int = 1) -> ImportReport:
    report = ImportReport()
    groups_before = len(store.groups)
    numbered = list(enumerate(rows, start=first_number))
    order = {"group": 0, "cluster": 1}
    numbered.sort(key=lambda item: order.get(str(item[1].get("kind") or "host").lower(), 2))
    for number, row in numbered:
        where = "%s %d" % (unit, number)
        kind = str(row.get("kind") or "host").strip().lower()
        name = str(row.get("name") or "").strip()
        group_path = str(row.get("group") or "").strip()
        if not name:
            report.problems.append("%s: no name." % where)
            continue
        if kind == "group":
            gid = store.find_or_create_group_path(_join(group_path, name))
            user = str(row.get("username") or "").strip()
            g = store.group(gid)
            if g is not None and user and not g.username:
                store.set_group_credentials(g.id, user, None)
            continue
        try:
            port = int(str(row.get("port") or 0) or 0)
        except ValueError:
            report.problems.append("%s (%s): the port %r is not a number." % (where, name, row.get("port")))
            continue
        group_id = store.find_or_create_group_path(group_path) if group_path else None
        cluster_id = None
        cluster_name = str(row.get("cluster") or "").strip()
        if cluster_name and kind == "host":
            cluster = next((c for c in store.connections if c.kind == "cluster" and c.group == group_id
                            and c.name.lower() == cluster_name.lower()), None)
            if cluster is None:
                report.problems.append("%s (%s): the cluster %s is not in the file or in your connections."
                                       % (where, name, cluster_name))
                continue
            cluster_id = cluster.id
        conn = Connection(
            id="", name=name, kind=kind, group=group_id, address=str(row.get("address") or "").strip(), port=port,
            transport=str(row.get("transport") or "https").strip().lower(),
            auth=str(row.get("auth") or "ntlm").strip().lower(), username=str(row.get("username") or "").strip(),
            pinned_sha256="".join(ch for ch in str(row.get("pinned_sha256") or "").lower()
                                  if ch in "0123456789abcdef"),
            cluster=cluster_id, allow_credssp=str(row.get("allow_credssp") or "").strip().lower()
            in ("yes", "true", "1", "x"))
        problem = validate_connection(conn)
        if problem:
            report.problems.append("%s (%s): %s" % (where, name, problem))
            continue
        if any(c.kind == kind and c.group == group_id and c.name.lower() == name.lower()
               for c in store.connections):
            report.skipped.append(name)
            continue
        store.add_connection(conn)
        report.added.append(name)
        if conn.username:
            report.notes.append("%s has its own user name %s: enter its password in the app." % (name, conn.username))
    report.groups_added = len(store.groups) - groups_before
    return report


def _join(parent: str, name: str) -> str:
    return "%s / %s" % (parent.strip(), name.strip()) if parent.strip() else name.strip()
