"""Consistent pseudonyms for host, VM, cluster, domain and user names in a report.

Every name gets one pseudonym (``HOST-1``, ``VM-3``, ``USER-1``...) for the whole report, and the
pseudonyms replace the names wherever they appear in customer data: table cells, evidence text
(event messages quote VM names), file paths, checkpoint names, audit entries. Matching ignores
case (Windows names do) and only stops at letters and digits, so ``VM001`` is replaced inside
``C:\\ClusterStorage\\Volume1\\VM001\\VM001.vhdx`` and ``'VM001'`` but not inside ``VM0012``.
Longer names are replaced first, so a host ``HV01`` never eats part of ``HV01-BACKUP``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

KINDS = {"host": "HOST", "cluster": "CLUSTER", "vm": "VM", "user": "USER", "domain": "DOMAIN"}


class Pseudonyms:
    def __init__(self) -> None:
        self._names: dict[str, str] = {}  # casefolded name -> pseudonym
        self._spellings: set[str] = set()  # every name as registered: casefolding is not case-insensitivity
        self._counters: dict[str, int] = {}
        self._pattern: re.Pattern[str] | None = None

    def add(self, kind: str, name: str | None, same_as: str | None = None) -> str:
        """Register a name; returns its pseudonym (the same one every time, whatever the case). With
        ``same_as`` (an already registered name), ``name`` is another name for it (``HV01`` for
        ``hv01.contoso.local``) and gets the same pseudonym."""
        if not name or not name.strip():
            return name or ""
        name = name.strip()
        key = name.casefold()
        if name not in self._spellings:
            self._spellings.add(name)
            self._pattern = None
        if key in self._names:
            return self._names[key]
        if same_as and same_as.strip().casefold() in self._names:
            self._names[key] = self._names[same_as.strip().casefold()]
            self._pattern = None
            return self._names[key]
        prefix = KINDS[kind]
        self._counters[prefix] = self._counters.get(prefix, 0) + 1
        pseudonym = "%s-%d" % (prefix, self._counters[prefix])
        self._names[key] = pseudonym
        self._pattern = None
        return pseudonym

    def add_user(self, account: str | None) -> None:
        """``DOMAIN\\user``, ``user@domain.tld`` or ``user``: the user and its domain get pseudonyms."""
        if not account:
            return
        if "\\" in account:
            domain, user = account.split("\\", 1)
            self.add("domain", domain)
        elif "@" in account:
            user, domain = account.split("@", 1)
            self.add_domain(domain)
        else:
            user = account
        self.add("user", user)
        self.add("user", account)

    def add_host(self, name: str | None, same_as: str | None = None) -> None:
        """A host by its name or FQDN (``hv01.contoso.local``: ``hv01`` is the same host, the rest a domain)."""
        if not name:
            return
        self.add("host", name, same_as)
        label, dot, domain = name.strip().partition(".")
        if dot and not label.isdigit():  # not an IP address
            self.add("host", label, name)
            self.add_domain(domain)

    def add_domain(self, fqdn: str | None) -> None:
        """A DNS domain and its first label (usually the NetBIOS name: contoso.local -> CONTOSO)."""
        if not fqdn:
            return
        self.add("domain", fqdn)
        first = fqdn.split(".", 1)[0]
        if first and first.casefold() != fqdn.casefold():
            self.add("domain", first)

    def add_all(self, kind: str, names: Iterable[str | None]) -> None:
        for n in names:
            self.add(kind, n)

    def names(self) -> list[str]:
        return list(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def _regex(self) -> re.Pattern[str] | None:
        if self._pattern is None and self._names:
            # Each spelling as registered ("Straße" casefolds to "strasse", which the text does not contain),
            # longest first. (?<![^\W_]) = not preceded by a letter or digit; a name that begins (or ends) with
            # punctuation needs no boundary there ("'x" is also a name inside "a'x").
            alternatives = sorted(self._spellings, key=len, reverse=True)
            self._pattern = re.compile("|".join(map(_alternative, alternatives)), re.IGNORECASE)
        return self._pattern

    def text(self, value: str) -> str:
        """Replace every registered name in ``value``."""
        pattern = self._regex()
        if pattern is None or not value:
            return value
        return pattern.sub(lambda m: self._names.get(m.group(0).casefold(), "REDACTED"), value)


_WORD = re.compile(r"[^\W_]")


def _alternative(name: str) -> str:
    left = r"(?<![^\W_])" if _WORD.match(name[0]) else ""
    right = r"(?![^\W_])" if _WORD.match(name[-1]) else ""
    return left + re.escape(name) + right

    def data(self, value: Any) -> Any:
        """``text`` applied to every string in nested dicts/lists (audit parameters)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.data(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.data(v) for v in value]
        return value
