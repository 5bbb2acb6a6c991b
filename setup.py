"""The compiled searches of corridors (corridors/sparse_c.c; see corridors/sparse.py), and the bundled
network's cache entries built into the package (corridors/prebuilt; see corridors/cache.py).

Everything else about the package is in pyproject.toml. The extension is optional: where it cannot be
built (no C compiler), the package installs without it and every search runs on scipy, with the same
answers. So are the prebuilt entries: where they cannot be built, the first run builds them (in the user's
cache folder) as it always did. ``CORRIDORS_NO_PREBUILD=1`` skips them; an editable install has none.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build import build

#: Run in the built tree (in a temporary folder, which is also the working directory): the README's first
#: command on the bundled data, map included (the basemap entry), with the cache folder set to the folder that
#: becomes the package's prebuilt one; then what the entries were built with and where (the map file is dropped).
PREBUILD = """
import json, sys
from importlib.metadata import version
from corridors.cli.main import cli
cli(["--quiet", "compare", "Chelyabinsk", "Mumbai", "--map", "prebuild-map.html"], standalone_mode=False)
from corridors import cache
from corridors.io import bundled_data_dir
versions = {d: version(d) for d in ("numpy", "networkx", "shapely", "scipy")}
data = str(bundled_data_dir())  # the paths in the entries start so (cache.prebuilt_paths)
with open(sys.argv[1], "w", encoding="utf-8") as fh:
    json.dump({"data": data, "code_version": cache.code_version(), "versions": versions}, fh, indent=1)
"""


class BuildWithPrebuilt(build):
    """``build``, then the first run's cache entries into ``<build_lib>/corridors/prebuilt``."""

    def run(self) -> None:
        super().run()
        if os.environ.get("CORRIDORS_NO_PREBUILD", "").strip().lower() not in ("", "0", "no", "false"):
            return
        folder = Path(self.build_lib).resolve() / "corridors" / "prebuilt"
        shutil.rmtree(folder, ignore_errors=True)  # an in-tree build/ keeps the last build's
        work = folder.with_name(".prebuilt-tmp")
        shutil.rmtree(work, ignore_errors=True)
        env = dict(os.environ, CORRIDORS_CACHE_DIR=str(work), CORRIDORS_PREBUILT="0", CORRIDORS_QUIET="1")
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(folder.parent.parent), env.get("PYTHONPATH")) if p)
        manifest = work / "MANIFEST.json"
        try:
            work.mkdir(parents=True)
            done = subprocess.run(  # noqa: S603 - our own interpreter and code
                [sys.executable, "-P", "-c", PREBUILD, str(manifest)],
                env=env,
                cwd=str(work),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                check=False,
            )
            if done.returncode != 0 or not manifest.is_file():
                tail = (done.stderr or "").strip().splitlines()[-1:] or ["no message"]
                print(f"corridors: no prebuilt cache entries (the first run will build them): {tail[0]}", file=sys.stderr)
                return
            for p in work.iterdir():
                if p.suffix not in (".npz", ".json") or p.name.startswith(".") or p.name == "digests.json":
                    p.unlink()
                else:
                    p.chmod(0o644)  # readable by every user of an installed package, as its modules are
            work.chmod(0o755)
            work.rename(folder)
        finally:
            shutil.rmtree(work, ignore_errors=True)


setup(
    ext_modules=[Extension("corridors.sparse_c", ["corridors/sparse_c.c"], optional=True)],
    cmdclass={"build": BuildWithPrebuilt},
)
