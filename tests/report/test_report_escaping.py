"""Names are data: a VM named like markup or like a PowerShell injection shows up as text, never as markup."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from hvassist.report import build_report, render_html, render_print_html, render_ticket_text

from .conftest import HOSTILE_VMS, pdf_text

ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "h4", "p", "b", "br", "span",
                "table", "thead", "tr", "th", "td", "ul", "ol", "li", "a", "pre", "code", "div"}


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs += attrs

    def handle_data(self, data):
        self.text.append(data)


def _parse(html: str) -> _Collect:
    p = _Collect()
    p.feed(html)
    p.close()
    return p


@pytest.mark.parametrize("render", [render_html, render_print_html])
def test_hostile_vm_names_are_text(hostile_data, render):
    report = build_report(hostile_data.diagnosis, hostile_data.entries, since=hostile_data.since)
    html = render(report)
    parsed = _parse(html)
    assert parsed.tags <= ALLOWED_TAGS, parsed.tags - ALLOWED_TAGS
    assert not [a for a, _v in parsed.attrs if a.startswith("on")]
    assert all(v is None or not v.strip().lower().startswith("javascript:") for _a, v in parsed.attrs)
    text = "".join(parsed.text)
    for name in HOSTILE_VMS.values():
        assert name in text, "the name is shown exactly as it is: %r" % name
    for raw in ("<script>alert(1)</script>", "x'; Remove-VM", "<i>"):
        assert raw not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "x&#39;; Remove-VM * -Force; &#39;" in html
    # the renamed VM001 was fixed: its name is in the audit entries and in the report's actions
    assert any(e["vm"] == HOSTILE_VMS["VM001"] for e in hostile_data.entries)
    assert "Add a SCSI controller to %s" % HOSTILE_VMS["VM001"] in text


def test_hostile_names_in_ticket_text_are_verbatim(hostile_data):
    text = render_ticket_text(build_report(hostile_data.diagnosis, hostile_data.entries, since=hostile_data.since))
    assert HOSTILE_VMS["VM001"] in text  # plain text: nothing to escape, nothing lost


def test_hostile_names_show_as_text_in_the_pdf(hostile_data, qapp, tmp_path):
    from hvassist.gui.pdf import html_to_pdf

    report = build_report(hostile_data.diagnosis, hostile_data.entries, since=hostile_data.since)
    text = pdf_text(html_to_pdf(render_print_html(report)), tmp_path)
    flat = " ".join(text.split())
    # in narrow table cells a name wraps (and pdftotext interleaves the columns); in the actions it is whole
    assert "<script>alert(1)" in flat
    assert "Add a SCSI controller to x'; Remove-VM * -Force; '" in flat
    assert "\u2018a\u2019 \u201ab\u201b \u201cc\u201d \u201ed\u201d &" in flat
    assert "&lt;" not in flat and "&#39;" not in flat and "&amp;" not in flat
