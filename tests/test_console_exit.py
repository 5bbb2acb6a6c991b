"""The console script's way out (:func:`corridors.cli.main.run`): after the command, the exit handlers
run, the output is flushed and the exit code is the command's, without the interpreter's teardown.
Each case runs in a fresh interpreter, as the installed ``corridors`` script does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from corridors.cli.main import cli

from corridors import __version__


def _python(code: str, tmp_path: Path, **kw: object) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("OPENBLAS_NUM_THREADS", None)
    argv = [sys.executable, "-c", code]
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env, check=False, **kw)  # type: ignore[call-overload]  # noqa: S603 - our own interpreter


def test_the_console_script_is_run() -> None:
    """pyproject's entry point is the function tested here, not the bare click group."""
    text = (Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    assert 'corridors = "corridors.cli.main:run"' in text


def test_output_and_exit_code_as_in_process(tmp_path: Path) -> None:
    """The same stdout and exit code as the click command run in-process, for an answer and for bad
    input (one line on stderr, exit code 2)."""
    for args in (["places", "bandar"], ["compare", "Chelyabinsk", "Nowhere-At-All"]):
        want = CliRunner().invoke(cli, args)
        got = _python(f"from corridors.cli.main import run\nrun({args!r})", tmp_path)
        assert got.returncode == want.exit_code, got.stderr
        if want.exit_code == 0:
            assert got.stdout == want.output
        else:
            assert got.stdout == ""
            lines = got.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("Error: unknown place"), got.stderr
            assert "Traceback" not in got.stderr


def test_exit_handlers_run_and_output_is_flushed(tmp_path: Path) -> None:
    """atexit handlers (temporary folders, logging, pools) still run, in order, after the command; a
    buffered stdout (a pipe) is flushed."""
    marker = tmp_path / "ran.txt"
    code = (
        "import atexit\n"
        f"atexit.register(lambda: open({str(marker)!r}, 'a').write('first\\n'))\n"
        "from corridors.cli.main import run\n"
        f"atexit.register(lambda: open({str(marker)!r}, 'a').write('second\\n'))\n"
        "run(['--version'])\n"
    )
    got = _python(code, tmp_path)
    assert got.returncode == 0, got.stderr
    assert __version__ in got.stdout
    assert marker.read_text(encoding="utf-8") == "second\nfirst\n"  # last registered, first run


def test_a_running_thread_gets_the_ordinary_exit(tmp_path: Path) -> None:
    """A thread still running when the command ends is waited for, as Python's own exit does."""
    marker = tmp_path / "thread.txt"
    code = (
        "import threading, time\n"
        "def late():\n"
        "    time.sleep(0.3)\n"
        f"    open({str(marker)!r}, 'w').write('done')\n"
        "threading.Thread(target=late).start()\n"
        "from corridors.cli.main import run\n"
        "run(['--version'])\n"
    )
    got = _python(code, tmp_path)
    assert got.returncode == 0, got.stderr
    assert marker.read_text(encoding="utf-8") == "done"


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pipe closed early")
def test_a_pipe_closed_early_is_quiet(tmp_path: Path) -> None:
    """`corridors places a | head -1`: exit code 0 and no traceback when the reader goes away."""
    script = f'{sys.executable} -c \'from corridors.cli.main import run; run(["places", "a"])\' | head -1'
    argv = ["/bin/bash", "-o", "pipefail", "-c", script]
    got = subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=tmp_path, check=False)  # noqa: S603 - our own interpreter
    assert got.returncode == 0, got.stderr
    assert len(got.stdout.splitlines()) == 1
    assert "Traceback" not in got.stderr and "Exception ignored" not in got.stderr


def test_the_cli_sets_one_blas_thread_unless_chosen(tmp_path: Path) -> None:
    """One OpenBLAS thread by default; a thread count the user set is left as it is."""
    code = "import os, corridors.cli.main\nprint(os.environ.get('OPENBLAS_NUM_THREADS'), os.environ.get('OMP_NUM_THREADS'))"
    assert _python(code, tmp_path).stdout.split() == ["1", "None"]
    env = dict(os.environ, OMP_NUM_THREADS="3")
    env.pop("OPENBLAS_NUM_THREADS", None)
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, check=False)  # noqa: S603 - our own interpreter
    assert got.stdout.split() == ["None", "3"]
