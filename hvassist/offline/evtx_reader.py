"""Read ``.evtx`` files with the ``evtx`` package, as far as they can be read.

Event logs copied from broken hosts are often damaged: zeroed chunk headers, missing checksums,
records with no data, files cut off in the middle. The parser skips what it cannot read; this
module also looks at the file's layout itself (file header, one header per 64 KiB chunk with the
range of record ids it holds) so it can tell the user *what* was lost, e.g. "chunk 6 is damaged:
about 120 events could not be read". It never raises.
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import zlib
from dataclasses import dataclass, field
from typing import IO, Any

from hvassist.offline.events import ImportResult, RawEvent, add_event, parse_int

FILE_MAGIC = b"ElfFile\x00"
CHUNK_MAGIC = b"ElfChnk\x00"
FILE_HEADER_SIZE = 4096
CHUNK_SIZE = 65536
CHUNK_HEADER_SIZE = 512
MAX_PARSE_ERRORS = 10_000  # a file of pure garbage should end quickly, not log errors forever
_CHUNK_NUMBER = re.compile(r"chunk number (\d+)", re.IGNORECASE)


@dataclass
class ChunkInfo:
    index: int
    valid: bool  # has the chunk magic
    empty: bool  # all zero (never used)
    truncated: bool = False
    first_id: int = 0
    last_id: int = 0
    header_crc_ok: bool = True
    data_crc_ok: bool = True
    crc_missing: bool = False

    @property
    def record_count(self) -> int:
        return self.last_id - self.first_id + 1 if self.valid and self.last_id >= self.first_id else 0


@dataclass
class EvtxLayout:
    is_evtx: bool = False
    header_crc_ok: bool = True
    header_crc_missing: bool = False
    chunk_count: int = 0  # as the file header says
    chunks: list[ChunkInfo] = field(default_factory=list)


def _u64(data: bytes, offset: int) -> int:
    return int(struct.unpack_from("<Q", data, offset)[0])


def _u32(data: bytes, offset: int) -> int:
    return int(struct.unpack_from("<I", data, offset)[0])


def scan_layout(f: IO[bytes]) -> EvtxLayout:
    layout = EvtxLayout()
    header = f.read(FILE_HEADER_SIZE)
    if len(header) < 128 or not header.startswith(FILE_MAGIC):
        return layout
    layout.is_evtx = True
    layout.chunk_count = int(struct.unpack_from("<H", header, 42)[0])
    stored = _u32(header, 124)
    layout.header_crc_missing = stored == 0
    layout.header_crc_ok = stored == 0 or stored == zlib.crc32(header[:120])
    index = 0
    while True:
        chunk = f.read(CHUNK_SIZE)
        if not chunk:
            break
        info = ChunkInfo(index=index, valid=chunk.startswith(CHUNK_MAGIC), empty=not chunk.strip(b"\x00"))
        info.truncated = len(chunk) < CHUNK_SIZE
        if info.valid and len(chunk) >= CHUNK_HEADER_SIZE:
            info.first_id = _u64(chunk, 24)
            info.last_id = _u64(chunk, 32)
            free_offset = _u32(chunk, 48)
            data_crc = _u32(chunk, 52)
            header_crc = _u32(chunk, 124)
            info.crc_missing = data_crc == 0 and header_crc == 0
            if not info.crc_missing:
                info.header_crc_ok = header_crc == zlib.crc32(chunk[:120] + chunk[128:CHUNK_HEADER_SIZE])
                if CHUNK_HEADER_SIZE <= free_offset <= len(chunk):
                    info.data_crc_ok = data_crc == zlib.crc32(chunk[CHUNK_HEADER_SIZE:free_offset])
        elif info.valid:
            info.valid = False
            info.truncated = True
        layout.chunks.append(info)
        index += 1
    return layout


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _raw_from_json(record: dict[str, Any]) -> RawEvent:
    raw = RawEvent()
    event = record.get("Event") if isinstance(record, dict) else None
    if not isinstance(event, dict):
        return raw
    system = _dict(event.get("System"))
    provider = system.get("Provider")
    if isinstance(provider, dict):
        attrs = _dict(provider.get("#attributes"))
        raw.provider = str(attrs.get("Name") or attrs.get("EventSourceName") or "")
    event_id = system.get("EventID")
    raw.event_id = parse_int(event_id.get("#text") if isinstance(event_id, dict) else event_id)
    raw.level = parse_int(system.get("Level"))
    created = system.get("TimeCreated")
    if isinstance(created, dict) and isinstance(created.get("#attributes"), dict):
        raw.time = str(created["#attributes"].get("SystemTime") or "")
    raw.channel = _scalar(system.get("Channel"))
    raw.computer = _scalar(system.get("Computer"))
    data = event.get("EventData")
    if isinstance(data, dict):
        for name, value in data.items():
            if name in ("#attributes", "Binary"):
                continue
            if name == "Data":  # unnamed <Data> elements: {"#text": [..]} or {"#text": "x"}
                inner = value.get("#text") if isinstance(value, dict) else value
                values = inner if isinstance(inner, list) else [inner]
                raw.data.extend((None, _scalar(v)) for v in values)
            else:
                raw.data.append((name, _scalar(value)))
    user_data = event.get("UserData")
    if isinstance(user_data, dict):
        raw.data.extend(_json_leaves(user_data))
    return raw


def _scalar(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return _scalar(value.get("#text"))
    if isinstance(value, list):
        return ", ".join(_scalar(v) for v in value)
    return str(value).strip()


def _json_leaves(value: dict[str, Any]) -> list[tuple[str | None, str]]:
    out: list[tuple[str | None, str]] = []
    for name, item in value.items():
        if name == "#attributes":
            continue
        if isinstance(item, dict) and any(k != "#attributes" and k != "#text" for k in item):
            out.extend(_json_leaves(item))
        else:
            out.append((None if name == "#text" else name, _scalar(item)))
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _chunk_range(indices: list[int]) -> str:
    if len(indices) == 1:
        return f"Chunk {indices[0]} is"
    return f"Chunks {indices[0]}–{indices[-1]} are"


def _average_records(layout: EvtxLayout) -> int | None:
    counts = [c.record_count for c in layout.chunks if c.valid and c.record_count]
    return round(sum(counts) / len(counts)) if counts else None


def _damaged_runs(layout: EvtxLayout, unreadable: set[int]) -> list[tuple[list[int], int | None, str]]:
    """Runs of unreadable chunks with the number of events they probably held.

    The log is circular: chunk order is not time order. Sorting the readable chunks by their first
    record id gives time order; the chunks between two time-neighbours (circularly, by index) held
    the records whose ids are missing between them. Zeroed chunks after the newest one are unused
    space, not damage."""
    count = len(layout.chunks)
    valid = sorted((c for c in layout.chunks if c.valid and c.record_count), key=lambda c: c.first_id)
    runs: list[tuple[list[int], int | None, str]] = []
    covered: set[int] = set()
    for older, newer in zip(valid, valid[1:], strict=False):
        between = [(older.index + k) % count for k in range(1, (newer.index - older.index) % count)]
        gap = newer.first_id - older.last_id - 1
        if between and (gap > 0 or any(i in unreadable for i in between)):
            runs.append(
                (
                    between,
                    gap if gap > 0 else None,
                    f"{older.last_id + 1}–{newer.first_id - 1}" if gap > 0 else "",
                )
            )
            covered.update(between)
    average = _average_records(layout)
    for chunk in layout.chunks:
        if chunk.index in covered or chunk.valid:
            continue
        if chunk.index in unreadable or not chunk.empty:
            runs.append(([chunk.index], average, ""))
    return sorted(runs)


def _describe(
    layout: EvtxLayout, parse_errors: list[str], seen_ids: set[int], result: ImportResult, read_all: bool
) -> None:
    problems = result.problems
    if not layout.is_evtx:
        problems.append("This is not a Windows event log (.evtx) file, or its header is damaged.")
    elif not layout.header_crc_ok:
        problems.append("The file header's checksum does not match: the header is damaged.")
    unreadable = {int(m.group(1)) for e in parse_errors if (m := _CHUNK_NUMBER.search(e))}
    for indices, lost, ids in _damaged_runs(layout, unreadable):
        truncated = any(layout.chunks[i].truncated for i in indices if i < len(layout.chunks))
        blank = all(layout.chunks[i].empty for i in indices if i < len(layout.chunks))
        what = "cut off at the end of the file" if truncated else "blank (zeroed)" if blank else "damaged"
        if lost:
            amount = "about {} could not be read".format(_plural(lost, "event"))
        else:
            amount = "its events could not be read" if len(indices) == 1 else "their events could not be read"
        numbers = f" (record numbers {ids})" if ids else ""
        problems.append(f"{_chunk_range(indices)} {what}: {amount}{numbers}.")
    reported: set[int] = set()
    for chunk in layout.chunks:
        if not read_all or not chunk.valid or not chunk.record_count or chunk.index in unreadable:
            continue
        missing = sum(1 for i in range(chunk.first_id, chunk.last_id + 1) if i not in seen_ids)
        if 0 < missing <= chunk.record_count:
            reported.add(chunk.index)
            count = _plural(missing, "event")
            problems.append(
                f"Chunk {chunk.index} is damaged: {count} of its {chunk.record_count} could not be read."
            )
    valid = [c for c in layout.chunks if c.valid]
    if valid and (layout.header_crc_missing or all(c.crc_missing for c in valid)):
        problems.append("The file's checksums are missing, so the events read could not be verified.")
    for chunk in valid:
        if (
            chunk.index not in reported
            and not chunk.crc_missing
            and not (chunk.header_crc_ok and chunk.data_crc_ok)
        ):
            problems.append(
                f"Chunk {chunk.index}'s checksum does not match: its events were read but may be damaged."
            )
    other = [e for e in parse_errors if not _CHUNK_NUMBER.search(e)]
    if other and not reported:
        problems.append("{} could not be read ({}).".format(_plural(len(other), "record"), other[0][:120]))


def read_evtx(source: str | os.PathLike[str] | bytes, *, max_events: int | None = None) -> ImportResult:
    """Events from an ``.evtx`` file (a path or the file's bytes), in the collect-host event shape.

    Never raises; ``problems`` tells in plain words what could not be read. ``max_events`` stops
    after that many events (the rest is reported as not read)."""
    name = "bytes" if isinstance(source, bytes) else os.fspath(source)
    result = ImportResult(source=name)
    try:
        if isinstance(source, bytes):
            data: bytes | None = source
            with io.BytesIO(source) as f:
                layout = scan_layout(f)
        else:
            data = None
            with open(name, "rb") as f:
                layout = scan_layout(f)
    except OSError as e:
        result.problems.append("The file could not be opened: %s." % (e.strerror or e))
        return result
    except Exception as e:  # layout scan is best effort; the parser may still read the events
        layout = EvtxLayout()
        result.problems.append(f"The file's layout could not be checked ({type(e).__name__}).")
    parse_errors: list[str] = []
    seen_ids: set[int] = set()
    without_id = 0
    stopped = False
    try:
        from evtx import PyEvtxParser

        parser = PyEvtxParser(io.BytesIO(data) if data is not None else name)
        records = parser.records_json()
        while True:
            try:
                record = next(records)
            except StopIteration:
                break
            except Exception as e:  # the parser raises per damaged chunk/record and then goes on
                parse_errors.append(str(e))
                if len(parse_errors) >= MAX_PARSE_ERRORS:
                    break
                continue
            if not isinstance(record, dict):
                continue
            record_id = parse_int(record.get("event_record_id"))
            if record_id is not None:
                seen_ids.add(record_id)
            try:
                parsed = json.loads(record.get("data") or "{}")
            except (TypeError, ValueError):
                parse_errors.append(f"record {record_id}: unreadable data")
                continue
            if not add_event(result, _raw_from_json(parsed)):
                without_id += 1
            if max_events is not None and len(result.events) >= max_events:
                stopped = True
                break
    except BaseException as e:
        # pyo3 turns a Rust panic into PanicException, which derives from BaseException; a damaged
        # file must not take the application down with it.
        if isinstance(e, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        parse_errors.append(str(e) or type(e).__name__)
    if not layout.is_evtx and not result.events:
        result.problems.append("This is not a Windows event log (.evtx) file, or it is too damaged to read.")
        return result
    _describe(layout, parse_errors, seen_ids, result, read_all=not stopped)
    if without_id:
        result.problems.append(
            "{} had no event id and {} skipped.".format(
                _plural(without_id, "record"), "was" if without_id == 1 else "were"
            )
        )
    if stopped:
        result.problems.append(f"Only the first {len(result.events)} events were read.")
    return result
