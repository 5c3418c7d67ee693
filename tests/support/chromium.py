"""Headless Chromium (Debian's /usr/bin/chromium) for report tests: a screenshot and
the DOM as the browser built it. Loaded by path from the conftests of tests/reports
and tests/scan (tests are not a package)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars",
]


def available() -> bool:
    return os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


def _run(extra: list[str], html: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        env = dict(os.environ, HOME=profile)
        return subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, html.resolve().as_uri()],
            capture_output=True, timeout=timeout, env=env, check=False,
        )


def screenshot(html: Path, png: Path) -> Path:
    """An A4-proportioned screenshot (1240x1754 px, 150 dpi A4) of the report."""
    proc = _run([f"--screenshot={png}", "--window-size=1240,1754"], html)
    assert png.is_file() and png.stat().st_size > 0, proc.stderr.decode(errors="replace")[-2000:]
    return png


def dump_dom(html: Path) -> str:
    """The document as Chromium serialises it after parsing (scripts would have run)."""
    proc = _run(["--dump-dom"], html)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    return proc.stdout.decode("utf-8")


class _Text(HTMLParser):
    """Visible text and the tags seen, from serialised HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in ("style", "script", "title"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script", "title") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def page_text_and_tags(dom: str) -> tuple[str, list[str]]:
    p = _Text()
    p.feed(dom)
    return " ".join(" ".join(p.parts).split()), p.tags


def png_size(png: Path) -> tuple[int, int]:
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def png_is_not_blank(png: Path) -> bool:
    """True when the screenshot has some variety (not one flat colour)."""
    import zlib

    data = png.read_bytes()
    pos, idat = 8, b""
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    return len(set(raw[:200000])) > 8


def print_pdf(html: Path, pdf: Path) -> Path:
    """The page printed to PDF by Chromium (A4 from the report's own `@page` rule, no
    header or footer), as a person would with Print > Save as PDF."""
    proc = _run([f"--print-to-pdf={pdf}", "--no-pdf-header-footer"], html)
    assert pdf.is_file() and pdf.stat().st_size > 0, proc.stderr.decode(errors="replace")[-2000:]
    return pdf


def pdf_pages(pdf: Path) -> int:
    """How many pages a PDF Chromium printed has: its page objects (`/Type /Page`, not
    the `/Pages` tree nodes). Chromium writes these dictionaries uncompressed."""
    import re

    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-", "not a PDF"
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


def pdf_page_sizes_mm(pdf: Path) -> list[tuple[int, int]]:
    """Each page's MediaBox in whole millimetres (A4 is 210 x 297)."""
    import re

    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf.read_bytes())
    return [(round(float(w) * 25.4 / 72), round(float(h) * 25.4 / 72)) for w, h in boxes]
