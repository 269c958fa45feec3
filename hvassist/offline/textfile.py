"""Read text files whatever Windows wrote them in.

PowerShell 5.1's ``Out-File`` and ``>`` write UTF-16 LE with a BOM, Notepad may write UTF-8 with a
BOM, old tools write the ANSI code page, and users drop the wrong file. None of that may crash a
reader: undecodable bytes become U+FFFD.
"""

from __future__ import annotations

import codecs
import os

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_text_bytes(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    sample = data[:4096]
    if len(sample) >= 4:
        # UTF-16 without BOM: ASCII-range text has a NUL in every other byte.
        odd_nuls = sample[1::2].count(0)
        even_nuls = sample[0::2].count(0)
        half = len(sample) // 2
        if odd_nuls > half * 0.4 and even_nuls < half * 0.1:
            return data.decode("utf-16-le", errors="replace")
        if even_nuls > half * 0.4 and odd_nuls < half * 0.1:
            return data.decode("utf-16-be", errors="replace")
    return data.decode("cp1252", errors="replace")


def read_text_file(path: str | os.PathLike[str]) -> str:
    with open(path, "rb") as f:
        return decode_text_bytes(f.read())
