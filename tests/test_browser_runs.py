"""The headless browser run behind ``--pdf`` / ``--png`` (corridors.maps.browser), with stand-in
browsers that hang the ways headless Chromium does: before writing anything (a virtual-time budget that
never expires, as in a CI run on 2026-12-01), and after writing the whole file. A hung run is stopped
with every process it started and retried; three hung runs give one clear error and leave the user's
file as it was."""

from __future__ import annotations

import os
import stat
import sys
import textwrap
from pathlib import Path

import pytest
from corridors.maps import browser

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40 + b"\x00\x00\x00\x00IEND\xaeB`\x82"

FAKE = """\
#!{python}
import os, subprocess, sys, time
from pathlib import Path
state = Path({state!r})
calls = int(state.read_text()) + 1 if state.exists() else 1
state.write_text(str(calls))
out = next(a.split("=", 1)[1] for a in sys.argv if a.startswith(("--screenshot=", "--print-to-pdf=")))
child = subprocess.Popen(["sleep", "1000"])  # a renderer: must not outlive the browser
Path({pids!r}).open("a").write(f"{{os.getpid()}} {{child.pid}}\\n")
plan = {plan!r}[min(calls, len({plan!r})) - 1]
data = {png!r}
if plan == "work":
    Path(out).write_bytes(data)
    child.kill()
    sys.exit(0)
if plan == "write-then-hang":
    Path(out).write_bytes(data)
elif plan == "half-then-hang":
    Path(out).write_bytes(data[: len(data) // 2])
time.sleep(1000)
"""


def fake_browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plan: list[str]) -> tuple[Path, Path]:
    """A stand-in browser that follows ``plan`` (one step per call, the last repeated); returns the
    file counting its calls and the file listing the pids of each call and its child."""
    state, pids, exe = tmp_path / "calls", tmp_path / "pids", tmp_path / "fake-chromium"
    exe.write_text(FAKE.format(python=sys.executable, state=str(state), pids=str(pids), plan=plan, png=PNG))
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("CORRIDORS_CHROMIUM", str(exe))
    monkeypatch.setattr(browser, "ATTEMPT_TIMEOUT_S", 5.0)  # a stand-in that works starts in well under 1 s, even on a loaded machine
    monkeypatch.setattr(browser, "EXIT_GRACE_S", 0.3)
    return state, pids


def all_gone(pids: Path) -> bool:
    """Every process any call started has been stopped (or reaped)."""
    for pid in (int(p) for line in pids.read_text().split("\n") if line for p in line.split()):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        if Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z":
            return False
    return True


@pytest.fixture
def page(tmp_path: Path) -> Path:
    html = tmp_path / "page.html"
    html.write_text("<html><body>map</body></html>")
    return html


def test_a_run_that_writes_nothing_is_stopped_and_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: Path) -> None:
    state, pids = fake_browser(tmp_path, monkeypatch, ["hang", "work"])
    out = browser.screenshot(page, tmp_path / "map.png")
    assert out.read_bytes() == PNG
    assert state.read_text() == "2"
    assert all_gone(pids)


def test_a_run_that_hangs_after_writing_is_not_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: Path) -> None:
    state, pids = fake_browser(tmp_path, monkeypatch, ["write-then-hang", "hang"])
    out = browser.screenshot(page, tmp_path / "map.png")
    assert out.read_bytes() == PNG
    assert state.read_text() == "1"
    assert all_gone(pids)


def test_a_half_written_file_is_not_taken_for_a_whole_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: Path) -> None:
    state, pids = fake_browser(tmp_path, monkeypatch, ["half-then-hang", "work"])
    out = browser.screenshot(page, tmp_path / "map.png")
    assert out.read_bytes() == PNG
    assert state.read_text() == "2"
    assert all_gone(pids)


def test_three_hung_runs_give_one_error_and_keep_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: Path) -> None:
    state, pids = fake_browser(tmp_path, monkeypatch, ["hang"])
    old = tmp_path / "map.png"
    old.write_bytes(b"the user's picture")
    with pytest.raises(browser.BrowserError, match=r"could not write .* in 3 tries \(last: no output after 5 s\)") as exc:
        browser.screenshot(page, old)
    assert "\n" not in str(exc.value)
    assert old.read_bytes() == b"the user's picture"
    assert state.read_text() == str(browser.ATTEMPTS)
    assert all_gone(pids)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".map.png")] == []


def test_a_browser_that_fails_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: Path) -> None:
    exe = tmp_path / "broken-chromium"
    exe.write_text(
        textwrap.dedent(f"""\
        #!{sys.executable}
        import sys
        print("some noise", file=sys.stderr)
        print("Trace/breakpoint trap: cannot open display", file=sys.stderr)
        sys.exit(5)
        """)
    )
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("CORRIDORS_CHROMIUM", str(exe))
    with pytest.raises(browser.BrowserError, match=r"last: exit 5: Trace/breakpoint trap: cannot open display\)"):
        browser.print_pdf(page, tmp_path / "r.pdf")
    assert not (tmp_path / "r.pdf").exists()


def test_pdf_end_marker(tmp_path: Path) -> None:
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + b"x" * 2000 + b"\n%%EOF\n")
    assert browser._complete(pdf)
    pdf.write_bytes(b"%PDF-1.4\n" + b"x" * 2000)
    assert not browser._complete(pdf)
