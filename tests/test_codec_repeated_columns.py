"""A column equal to one encoded before (a network's edge keys are its legs' ids) is factorized once and
encoded as if it were new: its own arrays, the same numbers, the same string table."""

from __future__ import annotations

from corridors import codec


def test_an_equal_column_is_encoded_as_if_new() -> None:
    ids = [f"leg:{i % 1500}" for i in range(4000)]
    same = list(ids)  # the very objects
    equal = [f"leg:{i % 1500}" for i in range(4000)]  # equal strings, other objects
    other = [f"leg:{i % 1500}" for i in range(3999)] + ["leg:x"]  # same length and first item, last differs
    nums = [i % 7 for i in range(4000)]
    pairs = [(s, 1) for s in ids]
    obj = {"ids": ids, "nums": nums, "same": same, "equal": equal, "other": other, "pairs": pairs, "pairs2": list(pairs)}
    assert codec.decode(codec.encode(obj)) == obj
    e = codec._Encoder()
    first, again = e.column(ids), e.column(same)
    assert first == {"uniq_s": {"__a": 0}, "codes": {"__a": 1}} and again == {"uniq_s": {"__a": 2}, "codes": {"__a": 3}}
    assert [a.tolist() for a in e.arrays[2:]] == [a.tolist() for a in e.arrays[:2]]
    assert e.arrays[2] is not e.arrays[0]  # arrays of its own
    e.column(other)
    assert list(e.strings) == [*dict.fromkeys(ids), "leg:x"]
    apart = codec._Encoder()
    apart.column(ids)
    assert [a.tolist() for a in apart.arrays] == [a.tolist() for a in e.arrays[:2]]
