"""load_families parses a file once while its text is unchanged, and again once it changes."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from corridors import digests, families

BASE = """
[a]
name = "Alpha"
steps = [{cross = {node = "border:x", from = "RUS", to = "KAZ"}}]
"""


def test_an_unchanged_file_is_parsed_once_and_an_edited_one_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORRIDORS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(digests, "_memos", {})
    f = tmp_path / "families.toml"
    f.write_text(BASE)
    calls: list[str] = []
    real = tomllib.loads

    def counting(text: str) -> dict[str, object]:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(families.tomllib, "loads", counting)
    first = families.load_families(f)
    second = families.load_families(f)
    assert first == second and first is not second
    assert first["a"].name == "Alpha"
    assert len(calls) == 1
    # an edit keeping the size, then one changing it
    f.write_text(BASE.replace("Alpha", "Omega"))
    assert families.load_families(f)["a"].name == "Omega"
    f.write_text(BASE.replace("Alpha", "Longer name"))
    assert families.load_families(f)["a"].name == "Longer name"
    assert len(calls) == 3


def test_the_bundled_families_are_the_same_each_time() -> None:
    assert families.load_families() == families.load_families()
    assert set(families.family_ids_text().split(", ")) == set(families.load_families())
