"""Printing a page to PDF and taking a PNG screenshot through a headless Chromium, when one is
installed (the Debian package ``chromium``, or Google Chrome). No Python dependency: the browser is
run as a subprocess with its ``--print-to-pdf`` / ``--screenshot`` switches, offline (the page is
self-contained; background networking is switched off).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
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
ATTEMPTS = 3
"""Runs of the browser before giving up (see :func:`_run`)."""
ATTEMPT_TIMEOUT_S = 40.0
"""Seconds one run may take to write its file (a normal run takes 2-4 s on 2 cores)."""
EXIT_GRACE_S = 3.0
"""Seconds a run that has written a whole file is given to exit before it is stopped."""
POLL_S = 0.1
PNG_END = b"IEND\xaeB`\x82"


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


def _complete(path: Path) -> bool:
    """Whether ``path`` holds a whole PNG or PDF (its end marker written), not a file still being written."""
    try:
        size = path.stat().st_size
        if size < 16:
            return False
        with path.open("rb") as fh:
            fh.seek(max(0, size - 1024))
            tail = fh.read()
    except OSError:
        return False
    if path.suffix.lower() == ".png":
        return tail.endswith(PNG_END)
    return b"%%EOF" in tail[-32:]


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Kill the browser and every process it started (it runs in its own session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.wait()


def _attempt(exe: str, args: list[str], out: Path) -> str:
    """One run of the browser; "" when it wrote ``out``, else why not. A run that has written a whole
    file but does not exit (Chromium sometimes hangs at the end) is stopped after
    :data:`EXIT_GRACE_S`; a run that writes nothing in :data:`ATTEMPT_TIMEOUT_S` is stopped too."""
    with tempfile.TemporaryDirectory(prefix="corridors-chromium-") as profile, tempfile.TemporaryFile() as err:
        cmd = [exe, *FLAGS, f"--user-data-dir={profile}", *args]
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)  # noqa: S603 - our own argument list
        except OSError as exc:
            return f"could not start: {exc}"
        start = time.monotonic()
        written_at = None
        try:
            while proc.poll() is None:
                now = time.monotonic()
                if written_at is None and _complete(out):
                    written_at = now
                if written_at is not None and now - written_at > EXIT_GRACE_S:
                    _stop(proc)
                    return ""
                if now - start > ATTEMPT_TIMEOUT_S:
                    _stop(proc)
                    return f"no output after {ATTEMPT_TIMEOUT_S:g} s"
                time.sleep(POLL_S)
        finally:
            if proc.poll() is None:
                _stop(proc)
        if proc.returncode == 0 and _complete(out):
            return ""
        err.seek(0)
        lines = [line for line in err.read().decode("utf-8", "replace").splitlines() if line.strip()]
        return f"exit {proc.returncode}: {lines[-1] if lines else 'no output'}"


def _run(args: list[str], out: Path) -> None:
    """Run the browser until it writes ``out``: up to :data:`ATTEMPTS` times, since headless Chromium
    with ``--virtual-time-budget`` now and then never finishes (measured here: 1 run in 12 to 1 in 40;
    the same is reported by html2image, chrome-headless-render-pdf and Cypress users)."""
    exe = find_chromium()
    why = ""
    for _ in range(ATTEMPTS):
        out.unlink(missing_ok=True)
        why = _attempt(exe, args, out)
        if not why:
            return
    msg = f"{exe} could not write {out} in {ATTEMPTS} tries (last: {why}); check that it opens {args[-1]} by hand"
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
