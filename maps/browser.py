"""Printing a page to PDF and taking a PNG screenshot through a headless Chromium, when one is
installed (the Debian package ``chromium``, or Google Chrome). No Python dependency: the browser is
run as a subprocess with its ``--print-to-pdf`` / ``--screenshot`` switches, offline (the page is
self-contained; background networking is switched off).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from corridors.errors import CorridorsError

__all__ = ["BrowserError", "find_chromium", "print_pdf", "screenshot"]

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--hide-scrollbars",
    "--run-all-compositor-stages-before-draw",
]
TIMEOUT_S = 120


class BrowserError(CorridorsError):
    """No headless browser, or it failed to print or screenshot the page."""


def find_chromium() -> str:
    """The browser to use: ``$CORRIDORS_CHROMIUM``, else the first of :data:`CANDIDATES` on PATH."""
    env = os.environ.get("CORRIDORS_CHROMIUM")
    if env:
        if Path(env).is_file():
            return env
        msg = f"CORRIDORS_CHROMIUM={env} does not exist"
        raise BrowserError(msg)
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    msg = "no headless Chromium found for --pdf / --png (install the Debian package chromium, or set CORRIDORS_CHROMIUM to a Chrome or Chromium binary)"
    raise BrowserError(msg)


def _run(args: list[str], out: Path) -> None:
    exe = find_chromium()
    with tempfile.TemporaryDirectory(prefix="corridors-chromium-") as profile:
        cmd = [exe, *FLAGS, f"--user-data-dir={profile}", *args]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)  # noqa: S603 - our own argument list
        except (OSError, subprocess.TimeoutExpired) as exc:
            msg = f"{exe} failed: {exc}"
            raise BrowserError(msg) from exc
    if proc.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
        tail = (proc.stderr or "").strip().splitlines()[-1:] or ["no output"]
        msg = f"{exe} could not write {out} (exit {proc.returncode}: {tail[0]})"
        raise BrowserError(msg)


def _target(path: str | Path) -> tuple[Path, Path]:
    """(final path, temporary path beside it): the browser writes the temporary file, which then
    replaces the final one (so a failed run leaves no half-written file)."""
    final = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=final.suffix, dir=final.parent or ".")
    os.close(fd)
    Path(tmp).unlink()
    return final, Path(tmp)


def print_pdf(html: str | Path, pdf: str | Path) -> Path:
    """Print the page ``html`` (a file) to ``pdf`` with the page's print stylesheet."""
    final, tmp = _target(pdf)
    try:
        _run(["--no-pdf-header-footer", "--virtual-time-budget=4000", f"--print-to-pdf={tmp}", Path(html).resolve().as_uri()], tmp)
        tmp.replace(final)
    finally:
        tmp.unlink(missing_ok=True)
    return final


def screenshot(html: str | Path, png: str | Path, width: int = 1600, height: int = 900) -> Path:
    """A PNG of the page ``html`` (a file) in a ``width`` × ``height`` window."""
    final, tmp = _target(png)
    try:
        _run([f"--window-size={width},{height}", "--virtual-time-budget=4000", f"--screenshot={tmp}", Path(html).resolve().as_uri()], tmp)
        tmp.replace(final)
    finally:
        tmp.unlink(missing_ok=True)
    return final
