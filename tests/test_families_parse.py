"""load_families parses a file once while it is unchanged, and again once it changes."""

from __future__ import annotations

import os
from pathlib import Path

from corridors import families

BASE = """
[a]
name = "Alpha"
steps = [{cross = {node = "border:x", from = "RUS", to = "KAZ"}}]
"""


def test_an_unchanged_file_is_parsed_once_and_an_edited_one_again(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "families.toml"
    f.write_text(BASE)
    calls = []
    real = families.tomllib.load

    def counting(fh):  # type: ignore[no-untyped-def]
        calls.append(fh.name)
        return real(fh)

    monkeypatch.setattr(families.tomllib, "load", counting)
    first = families.load_families(f)
    second = families.load_families(f)
    assert first == second and first is not second
    assert first["a"].name == "Alpha"
    assert len(calls) == 1
    # an edit keeping the size but not the modification time, then one changing both
    f.write_text(BASE.replace("Alpha", "Omega"))
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))
    assert families.load_families(f)["a"].name == "Omega"
    f.write_text(BASE.replace("Alpha", "Longer name"))
    assert families.load_families(f)["a"].name == "Longer name"
    assert len(calls) == 3


def test_the_bundled_families_are_the_same_each_time() -> None:
    assert families.load_families() == families.load_families()
    assert "Chelyabinsk" not in families.family_ids_text()
    assert set(families.family_ids_text().split(", ")) == set(families.load_families())
