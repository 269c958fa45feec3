"""Property tests: triage and the importers never raise, whatever they are given."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hvassist.offline import read_event_xml, read_evtx
from hvassist.triage import triage_text
from tests.triage.cases import CASES
from tests.triage.conftest import shared_dir

FRAGMENTS = [
    "Event ID: 10103",
    "Source: VSS",
    "0x800423F3",
    "-2147212300",
    "%%2147754758",
    "Writer name: '",
    "State: [",
    "] Failed",
    "Last error: ",
    "<Event xmlns='x'>",
    "<EventID>",
    "</EventID>",
    "<Provider Name='VSS'/>",
    "</Event>",
    "Ereignis-ID:",
    "Hyper-V-VMMS",
    "Error code: '32768'",
    "\r\n",
    "\x00",
    "{66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}",
    "ID de l’événement :",
    "(8).",
    "Writer Name: X, Writer ID: {",
    "Windows Server 2008",
    "€",
    "\ufeff",
    "\u202e",
]

text_strategy = st.one_of(
    st.text(max_size=2000),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=30)), max_size=60).map("".join),
    st.sampled_from([c["text"] for c in CASES]).flatmap(
        lambda t: st.tuples(st.integers(0, len(t)), st.integers(0, len(t)), st.text(max_size=20)).map(
            lambda cut: t[: cut[0]] + cut[2] + t[cut[1] :]
        )
    ),
)


@settings(max_examples=300, deadline=None)
@given(text_strategy)
def test_triage_never_raises(text: str) -> None:
    result = triage_text(text)
    assert isinstance(result.unrecognised, bool)
    assert not (result.unrecognised and result.causes)
    scores = [c.score for c in result.causes]
    assert all(0 < s <= 1 for s in scores) and scores == sorted(scores, reverse=True)


def _sample_bytes() -> list[bytes]:
    folder = shared_dir()
    if folder is None or not (folder / "evtx-samples").is_dir():
        return [b"ElfFile\x00" + bytes(4088) + b"ElfChnk\x00" + bytes(65528)]
    # Keep the mutated inputs small: the first chunks carry the structure the parser relies on.
    return [p.read_bytes()[: 4096 + 65536 * 2] for p in sorted((folder / "evtx-samples").glob("*.evtx"))]


SAMPLES = _sample_bytes()


@st.composite
def mutated_evtx(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["flip", "zero", "cut", "splice"]))
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[pos] ^= draw(st.integers(1, 255))
        elif kind == "zero":
            end = pos + draw(st.integers(1, 4096))
            data[pos:end] = bytes(len(data[pos:end]))
        elif kind == "cut":
            del data[pos:]
        else:
            data[pos:pos] = draw(st.binary(max_size=64))
    return bytes(data)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(st.one_of(st.binary(max_size=70_000), mutated_evtx()))
def test_read_evtx_never_raises(data: bytes) -> None:
    result = read_evtx(data)
    assert isinstance(result.events, list) and isinstance(result.problems, list)
    for event in result.events:
        assert isinstance(event["id"], int) and isinstance(event["message"], str)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_evtx())
def test_read_evtx_file_never_raises(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.evtx"
        path.write_bytes(data)
        read_evtx(path)


XML_EVENT = (
    "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='VSS'/>"
    "<EventID Qualifiers='0'>12289</EventID><Level>2</Level>"
    "<TimeCreated SystemTime='2024-03-05T01:00:04.000Z'/>"
    "<Channel>Application</Channel></System><EventData><Data Name='a'>0x80042409</Data></EventData>"
    "<RenderingInfo><Message>m</Message></RenderingInfo></Event>"
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=3000),
        st.binary(max_size=3000),
        st.lists(
            st.one_of(
                st.sampled_from(
                    [
                        XML_EVENT,
                        "<Event",
                        "</Event>",
                        "<Events>",
                        "<!DOCTYPE x>",
                        "<?xml version='1.0'?>",
                        "&lol;",
                        "<![CDATA[",
                        "<Data Name='x'>",
                        "</Data>",
                        "<EventID>",
                        "99999999",
                    ]
                ),
                st.text(max_size=20),
            ),
            max_size=40,
        ).map("".join),
        st.tuples(st.integers(0, len(XML_EVENT)), st.text(max_size=10)).map(
            lambda t: XML_EVENT[: t[0]] + t[1] + XML_EVENT[t[0] :]
        ),
    )
)
def test_read_event_xml_never_raises(source: str | bytes) -> None:
    if isinstance(source, str) and "<" not in source:
        source = "<" + source  # a str without "<" would be taken as a path
    result = read_event_xml(source)
    for event in result.events:
        assert isinstance(event["id"], int) and 0 <= event["id"] <= 65535
