"""Why a query has no route: a rule of the user that forbids what a family requires, the exits of a
family's gate country that are closed, and which single relaxation of the rules (from
:func:`corridors.constraints.rules_of`) would open a route."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from .constraints import Constraints, node_forbidden, resolve_nodes, rules_of, territory_countries
from .errors import ConstraintError
from .families import Family
from .places import Place, resolve
from .query import Compiled
from .search import UnavailableError, solve_query

__all__ = ["explain_no_route", "family_conflict", "gate_reasons", "relaxations"]


def relaxations(c: Constraints, fam: Family | None) -> list[tuple[str, Constraints, Family | None]]:
    """Each rule of ``c`` dropped in turn (and, for a family, the family dropped), with what it does."""
    out: list[tuple[str, Constraints, Family | None]] = [(_gerund(rule.relax), rule.drop(c), fam) for rule in rules_of(c)]
    if fam is not None:
        out.append((f"outside the {fam.name} family", c, None))
    return out


def _gerund(relax: str) -> str:
    """ "allow IRN" -> "allowing IRN" (the no-route message says what each relaxation does)."""
    for verb, ing in (
        ("allow ", "allowing "),
        ("include ", "including "),
        ("ignore ", "ignoring "),
        ("lift ", "lifting "),
        ("not via ", "not via "),
    ):
        if relax.startswith(verb):
            return ing + relax[len(verb) :]
    return relax


def family_conflict(q: Compiled, c: Constraints, fam: Family) -> str:
    """Why a family cannot exist under ``c`` at all (a rule of the user forbids what the family
    requires), or ""."""
    terr = territory_countries(c)
    g = fam.gate_country
    if g and g in terr:
        return f"the {fam.name} runs through {g}, whose territory is avoided"
    for st in fam.steps:
        if st.chokepoints and all(ch in c.avoid_chokepoints for ch in st.chokepoints):
            return f"the {fam.name} must pass {' or '.join(st.chokepoints)}, which is avoided"
        if st.crossings:
            avoid = set(resolve_nodes(q.G, c.avoid_nodes))
            nodes = [n for cr in st.crossings for n in cr.nodes]
            if all(n in avoid or q.G.nodes[n].get("country") in terr for n in nodes if n in q.G):
                return f"the {fam.name} must {st.describe()}, which is avoided"
    if g and c.scope_of(g) in ("ports", "both") and fam.gate_ports and q.G.nodes.get(fam.gate_ports[0], {}).get("country") == g:
        return f"the {fam.name} leaves {g} by sea at {' or '.join(q.G.nodes[p].get('name', p) for p in fam.gate_ports if p in q.G)}, ports of an avoided country"
    return ""


def explain_no_route(q: Compiled, o: Place, d: Place, objective: str | Mapping[str, float], c: Constraints, fam: Family | None) -> str:
    """The message of a :class:`~corridors.errors.NoRouteError`: the rules in force (the family's
    first), why the family cannot exist or its exits are closed, and up to three single relaxations
    that open a route, each with that route's days."""
    if fam is not None:
        conflict = family_conflict(q, c, fam)
        if conflict:
            return conflict
    rules = c.describe()
    if fam:
        rules.insert(0, f"is the {fam.name} ({'; '.join(fam.rules_text())})" if fam.steps else f"stays in the {fam.name} family")
    head = f"no route from {o.name} to {d.name} that {', '.join(rules) if rules else 'exists'}"
    if fam is not None and fam.gate_country and fam.steps:
        inside = [(end, p) for end, p in (("origin", o), ("destination", d)) if q.G.nodes[p.id].get("country") == fam.gate_country]
        if len(inside) == 1:
            end, p = inside[0]
            where = "; or ".join(cr.describe() for st in fam.steps for cr in st.crossings)
            head = f"the {end} {p.name} is in {fam.gate_country} and the {fam.name} must {where} on the way, without leaving {fam.gate_country} and coming back; {head}"
    if fam is not None and fam.gate_ports:
        gates = gate_reasons(q, c, fam, d)
        if gates:
            head = f"{fam.name}: every exit from {fam.gate_country} is closed ({'; '.join(gates)}); {head}"
    opens = []
    for label, c2, f2 in relaxations(c, fam):
        try:
            r = solve_query(q, o, d, objective, c2, f2)
        except (ConstraintError, UnavailableError):
            continue
        if r is not None:
            opens.append(f"{label} there is one ({r.time_days:.1f} days{', via ' + r.via if r.via else ''})")
    if opens:
        return f"{head}; " + "; ".join(opens[:3])
    return f"{head}; no single relaxation opens one (check that both places are connected: `corridors network info`)"


def gate_reasons(q: Compiled, c: Constraints, fam: Family, d: Place) -> list[str]:
    """Why each of the family's gate ports cannot be used, or [] if one of them can."""
    avoid = tuple(resolve_nodes(q.G, c.avoid_nodes))
    out = []
    for p in fam.gate_ports:
        if p not in q.G:
            continue
        name = q.G.nodes[p].get("name", p)
        why = node_forbidden(c, p, q.G.nodes[p], avoid)
        if why:
            out.append(f"{name} {why}")
            continue
        if q.G.nodes[d.id].get("kind") == "port" and c.avoid_chokepoints:
            try:
                by_sea = solve_query(q, resolve(q.G, p), d, "time", replace(c, via=(), modes=("sea",)), None)
            except (ConstraintError, UnavailableError):
                by_sea = None
            if by_sea is None:
                free = solve_query(q, resolve(q.G, p), d, "time", Constraints(modes=("sea",), include_planned=True), None)
                passes = [ch for ch in (free.chokepoints if free else ()) if ch in c.avoid_chokepoints]
                out.append(f"{name}: the way out by sea passes {', '.join(passes) or 'an avoided place'}, which is avoided")
                continue
        return []
    return out
