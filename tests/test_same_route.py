"""Two families whose best routes are one and the same route are not shown as two options: the later row
says which row it repeats (corridors.labels.same_route_caveats, applied by Router.compare)."""

from __future__ import annotations

from typing import Any

import pytest

from corridors import Constraints
from corridors.labels import same_route_caveats

MARK = "the same route as the row"


def _legs(r: Any) -> tuple[str, ...]:
    return tuple(lid for m in r.moves for lid in m.leg_ids)


def _check_marks(routes: list[Any]) -> int:
    """Every row carries the mark exactly when an earlier row has the same legs, and names that row."""
    marked = 0
    for i, r in enumerate(routes):
        earlier = [x for x in routes[:i] if _legs(x) == _legs(r)]
        notes = [c for c in r.caveats if c.startswith(MARK)]
        if earlier:
            assert notes == [f"{MARK} '{earlier[0].label}' (it meets both corridors' definitions): not a second option"], r.label
            marked += 1
        else:
            assert notes == [], r.label
    return marked


@pytest.mark.parametrize(
    ("origin", "destination", "avoid"),
    [("Chelyabinsk", "Mumbai", ("hormuz",)), ("Moscow", "Nhava Sheva", ("hormuz", "bab_el_mandeb"))],
)
def test_a_repeated_route_names_the_row_it_repeats(router: Any, origin: str, destination: str, avoid: tuple[str, ...]) -> None:
    res = router.compare(origin, destination, constraints=Constraints(avoid_chokepoints=avoid))
    # with Hormuz closed, the eastern or western branch's best way to the sea is the Chabahar route itself
    assert _check_marks(res.routes) >= 1


def test_distinct_routes_carry_no_mark(router: Any) -> None:
    res = router.compare("Chelyabinsk", "Mumbai")
    assert len({_legs(r) for r in res.routes}) == len(res.routes)
    assert _check_marks(res.routes) == 0


def test_the_mark_is_added_once_and_keeps_the_order(router: Any) -> None:
    res = router.compare("Chelyabinsk", "Mumbai", constraints=Constraints(avoid_chokepoints=("hormuz",)))
    again = same_route_caveats(same_route_caveats([*res.routes, res.routes[0]])[: len(res.routes)])
    assert [r.label for r in again] == [r.label for r in res.routes]
    assert [r.caveats for r in again] == [r.caveats for r in res.routes]


def test_the_map_shows_the_mark_and_every_caveat(router: Any) -> None:
    """The map's summary panel shows the mark as a note on the repeating row, and every row's other
    caveats in one folded list under its title, each led by its route's number; each leg's popup says
    how many caveats its route has and where they are."""
    import re

    from corridors.maps import map_html, route_map
    from corridors.maps.style import esc
    from corridors.maps.summary import SAME_ROUTE

    assert MARK.startswith(SAME_ROUTE.strip())
    res = router.compare("Chelyabinsk", "Mumbai", constraints=Constraints(avoid_chokepoints=("hormuz",)))
    page = map_html(route_map(res.routes, G=router.G, constraints=res.constraints))
    panel = page[page.index('id="corridors-summary"') :]
    head, table = panel[: panel.index("<table")], panel[panel.index("<table") : panel.index("</table>")]
    rows = table.split('class="corr-row')[1:]
    assert len(rows) == len(res.routes)
    for r, row in zip(res.routes, rows, strict=True):
        assert esc(r.label) in row and "corr-cav" not in row  # the table is no wider or taller
        for c in (c for c in r.caveats if c.startswith(MARK)):
            assert esc(c) in row.split('class="corr-note">')[1].split("</span>")[0]
    assert sum(1 for r in res.routes for c in r.caveats if c.startswith(MARK)) >= 1
    want = [(i + 1, c) for i, r in enumerate(res.routes) for c in r.caveats if not c.startswith(MARK)]
    assert want
    assert f"{len(want)} caveats on routes " in head
    items = re.findall(r"<li>(.*?)</li>", head)
    assert len(items) == len(want)
    for li, (n, c) in zip(items, want, strict=True):
        assert li.endswith(f">{n}</span> {esc(c)}"), li
    popups = page  # the leg popups are HTML inside the layers' JSON, with <, >, & and ' as \\u escapes
    for code, char in (("003c", "<"), ("003e", ">"), ("0026", "&"), ("0027", "'")):
        popups = popups.replace("\\u" + code, char)
    for i, r in enumerate(res.routes):
        n = len(r.caveats)
        pointer = f"<th>caveats</th><td>{n} for this route: see route {i + 1} in the summary panel</td>"
        assert (pointer in popups) == (n > 0), r.label
