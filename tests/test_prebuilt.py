"""The cache entries ``pip install`` builds into the package (corridors/cache.py, "Prebuilt"; setup.py).

A first run after an install reads them instead of building: the same answers, nothing built or written but
the digest memo, and the paths in them (a leg's file, the network's files, a warning's file) naming the
installed package's files, not the folder they were built in. An entry that is not trusted, or
``CORRIDORS_PREBUILT=0``, means a build as before. In an installed package (CI), the prebuilt entries are,
byte for byte, what a build in the installed place writes, their paths apart."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

import corridors
from corridors import cache

FAKE = "/nonexistent/build/lib.linux/corridors/data"  # where a fake prebuilt folder says its data was

#: the CLI with the package's prebuilt folder moved to argv[1] (cache.PREBUILT: a path joined to an absolute
#: one is that one), then the CLI's own arguments
RUN = """
import os, sys
if os.environ.get("TEST_OTHER_USER"):  # another user than the package's owner (who owns every file here)
    os.geteuid = lambda: os.getuid() + 4242
from corridors import cache
if sys.argv[1] != "-":
    cache.PREBUILT = sys.argv[1]
from corridors.cli.main import cli
cli(sys.argv[2:], standalone_mode=False)
"""


def corridors_run(tmp: Path, cache_dir: Path, prebuilt: Path | str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("CORRIDORS_QUIET", "CORRIDORS_PREBUILT")}
    environ.update(CORRIDORS_CACHE_DIR=str(cache_dir), **env)
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-P", "-c", RUN, str(prebuilt), *args],
        cwd=tmp,  # the installed package, not a checkout's folder of that name
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    )


def data_prefix() -> str:
    return str(resources.files("corridors.data")).rstrip(os.sep) + os.sep


def rewrite(entry: Path, out: Path, old: str, new: str) -> None:
    """``entry`` copied to ``out`` with ``old`` replaced by ``new`` in its string table and tree."""
    with zipfile.ZipFile(entry) as z, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as w:
        for info in z.infolist():
            raw = z.read(info)
            if info.filename in ("__meta__.npy", "__tree__.npy"):
                a = np.lib.format.read_array(io.BytesIO(raw))
                buf = io.BytesIO()
                np.lib.format.write_array(buf, np.frombuffer(a.tobytes().replace(old.encode(), new.encode()), dtype=np.uint8))
                raw = buf.getvalue()
            w.writestr(info.filename, raw)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A first run built from scratch (its cache folder, its JSON answer)."""
    tmp = tmp_path_factory.mktemp("scratch")
    got = corridors_run(tmp, tmp / "cache", "-", "compare", "Chelyabinsk", "Mumbai", "--format", "json", CORRIDORS_PREBUILT="0")
    # the README's first command writes a map too: its basemap entry (a run of its own: stdout stays the JSON)
    corridors_run(tmp, tmp / "cache", "-", "compare", "Chelyabinsk", "Mumbai", "--map", str(tmp / "map.html"), CORRIDORS_PREBUILT="0")
    kinds = ["basemap", "compiled", "engine", "landmarks", "network"]
    assert sorted(p.name.split("-")[0] for p in (tmp / "cache").glob("*.npz")) == kinds
    return tmp / "cache", got.stdout


@pytest.fixture
def fake_prebuilt(built: tuple[Path, str], tmp_path: Path) -> Path:
    """A prebuilt folder made from ``built``'s entries, as if built in :data:`FAKE`."""
    folder = tmp_path / "prebuilt"
    folder.mkdir()
    for p in built[0].glob("*.npz"):
        rewrite(p, folder / p.name, data_prefix(), FAKE + os.sep)
        (folder / p.name).chmod(0o644)
    (folder / "MANIFEST.json").write_text(json.dumps({"data": FAKE}), encoding="utf-8")
    assert any(FAKE.encode() in p.read_bytes() for p in folder.glob("network-*.npz"))
    return folder


def progress(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith("corridors: ") and "building" in ln]


def test_a_first_run_reads_prebuilt_entries_builds_nothing_and_answers_the_same(
    built: tuple[Path, str], fake_prebuilt: Path, tmp_path: Path
) -> None:
    got = corridors_run(tmp_path, tmp_path / "user", fake_prebuilt, "compare", "Chelyabinsk", "Mumbai", "--format", "json")
    assert progress(got.stderr) == []
    assert got.stdout == built[1]
    assert sorted(p.name for p in (tmp_path / "user").iterdir()) == ["digests.json"]  # no entry written


def test_paths_in_prebuilt_entries_name_the_installed_package(fake_prebuilt: Path, tmp_path: Path) -> None:
    got = corridors_run(tmp_path, tmp_path / "user", fake_prebuilt, "network", "info", "--format", "json")
    scratch = corridors_run(tmp_path, tmp_path / "scratch", "-", "network", "info", "--format", "json", CORRIDORS_PREBUILT="0")
    assert got.stdout == scratch.stdout
    files = json.loads(got.stdout)["files"]
    assert files and all(Path(f).is_file() and f.startswith(data_prefix()) for f in files)
    assert FAKE not in got.stdout


@pytest.mark.parametrize("why", ["group-writable", "switched off"])
def test_an_untrusted_or_switched_off_prebuilt_entry_is_built_as_before(
    built: tuple[Path, str], fake_prebuilt: Path, tmp_path: Path, why: str
) -> None:
    env = {}
    if why == "group-writable":
        next(fake_prebuilt.glob("network-*.npz")).chmod(0o664)
    else:
        env["CORRIDORS_PREBUILT"] = "off"
    got = corridors_run(tmp_path, tmp_path / "user", fake_prebuilt, "compare", "Chelyabinsk", "Mumbai", "--format", "json", **env)
    assert any("building the network cache" in ln for ln in progress(got.stderr))
    assert got.stdout == built[1]
    assert len(list((tmp_path / "user").glob("network-*.npz"))) == 1  # built and stored in the user's folder


def test_another_user_reads_entries_owned_by_the_packages_owner(built: tuple[Path, str], fake_prebuilt: Path, tmp_path: Path) -> None:
    # an installed package's files belong to whoever installed it (root, for a system-wide install): its
    # prebuilt entries are read by every user; the user's own cache folder still trusts only the user
    got = corridors_run(
        tmp_path, tmp_path / "user", fake_prebuilt, "compare", "Chelyabinsk", "Mumbai", "--format", "json", TEST_OTHER_USER="1"
    )
    assert progress(got.stderr) == []
    assert got.stdout == built[1]
    (tmp_path / "foreign").mkdir()
    for p in built[0].glob("*.npz"):  # a full cache folder, but owned by someone else than this "user"
        (tmp_path / "foreign" / p.name).write_bytes(p.read_bytes())
        (tmp_path / "foreign" / p.name).chmod(0o600)
    got = corridors_run(
        tmp_path,
        tmp_path / "foreign",
        "-",
        "compare",
        "Chelyabinsk",
        "Mumbai",
        "--format",
        "json",
        TEST_OTHER_USER="1",
        CORRIDORS_PREBUILT="0",
    )
    assert any("building the network cache" in ln for ln in progress(got.stderr))
    assert got.stdout == built[1]


def test_a_prebuilt_folder_without_its_manifest_is_not_read(built: tuple[Path, str], fake_prebuilt: Path, tmp_path: Path) -> None:
    (fake_prebuilt / "MANIFEST.json").unlink()  # its paths could not be moved: not used at all
    got = corridors_run(tmp_path, tmp_path / "user", fake_prebuilt, "compare", "Chelyabinsk", "Mumbai", "--format", "json")
    assert any("building the network cache" in ln for ln in progress(got.stderr))
    assert got.stdout == built[1]


def test_the_installed_packages_prebuilt_entries_are_what_a_build_there_writes(built: tuple[Path, str], tmp_path: Path) -> None:
    root = Path(corridors.__file__).resolve().parent
    if (root.parent / "pyproject.toml").is_file():
        pytest.skip("a source checkout (an editable install) has no prebuilt entries; `pip install .` builds them")
    folder = root / cache.PREBUILT
    assert (folder / "MANIFEST.json").is_file(), "pip install built no prebuilt entries (see setup.py)"
    manifest = json.loads((folder / "MANIFEST.json").read_text(encoding="utf-8"))
    if manifest["code_version"] != cache.code_version():
        pytest.skip(f"the entries were built with other library versions ({manifest['versions']}); they are not read")
    old = manifest["data"].rstrip(os.sep) + os.sep
    names = sorted(p.name for p in folder.glob("*.npz"))
    assert names == sorted(p.name for p in built[0].glob("*.npz"))
    for name in names:
        with zipfile.ZipFile(folder / name) as a, zipfile.ZipFile(built[0] / name) as b:
            assert a.namelist() == b.namelist()
            for member in a.namelist():
                mine = a.read(member)
                if member in ("__meta__.npy", "__tree__.npy"):
                    arr = np.lib.format.read_array(io.BytesIO(mine))
                    assert (
                        arr.tobytes().replace(old.encode(), data_prefix().encode())
                        == np.lib.format.read_array(io.BytesIO(b.read(member))).tobytes()
                    ), (name, member)
                else:
                    assert mine == b.read(member), (name, member)
    got = corridors_run(tmp_path, tmp_path / "user", "-", "compare", "Chelyabinsk", "Mumbai", "--format", "json")
    assert progress(got.stderr) == []
    assert got.stdout == built[1]
    got = corridors_run(tmp_path, tmp_path / "user", "-", "compare", "Chelyabinsk", "Mumbai", "--map", str(tmp_path / "map.html"))
    assert progress(got.stderr) == []  # the README's first command builds nothing either
    assert not list((tmp_path / "user").glob("*.npz"))
