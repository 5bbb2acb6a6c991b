"""Holding the model against published figures (``data/validation.toml``).

Each case names an origin, a destination, a corridor family, a metric (``time_days``, ``length_km``
or ``sea_nm``), the published figure with its tolerance and source. :func:`run_cases` routes each
case on the bundled network and returns the model's figure beside the published one.
Cases with ``judgement = "doubtful"`` (a marketing claim, a figure that contradicts others) are
reported but not required to fall within tolerance; their note says why.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import CorridorsError
from .routing import Constraints, Router


@dataclass(frozen=True)
class CaseResult:
    id: str
    origin: str
    destination: str
    family: str
    metric: str
    published: float
    tolerance: float
    model: float | None
    judgement: str
    source: str
    note: str
    error: str = ""

    @property
    def diff(self) -> float | None:
        return None if self.model is None else self.model - self.published

    @property
    def within(self) -> bool:
        return self.model is not None and abs(self.model - self.published) <= self.tolerance

    @property
    def holds(self) -> bool | None:
        """Whether the case's requirement holds: within tolerance (credible, calibration), model no
        higher (lower_bound) or no lower (upper_bound, best_case) than published within tolerance;
        None for doubtful cases, which are reported only."""
        if self.judgement == "doubtful":
            return None
        if self.model is None:
            return False
        if self.judgement == "lower_bound":
            return self.model <= self.published + self.tolerance
        if self.judgement in ("upper_bound", "best_case"):
            return self.model >= self.published - self.tolerance
        return self.within


def load_cases(path: str | Path | None = None) -> list[dict[str, Any]]:
    p = Path(path) if path else Path(str(resources.files("corridors.data").joinpath("validation.toml")))
    with p.open("rb") as fh:
        return list(tomllib.load(fh).get("case", []))


def run_cases(router: Router | None = None, path: str | Path | None = None) -> list[CaseResult]:
    router = router or Router()
    out = []
    for case in load_cases(path):
        fam = case.get("family", "any")
        model: float | None = None
        err = ""
        try:
            c = Constraints(modes=tuple(case["modes"]) if case.get("modes") else None, via=tuple(case.get("via", ())))
            r = router.route(case["origin"], case["destination"], constraints=c, family=None if fam == "any" else fam)
            metric = case["metric"]
            model = {"time_days": r.time_days, "length_km": r.length_km, "sea_nm": r.sea_nm}[metric]
        except CorridorsError as exc:
            err = str(exc)
        out.append(
            CaseResult(
                id=case["id"],
                origin=case["origin"],
                destination=case["destination"],
                family=fam,
                metric=case["metric"],
                published=float(case["published"]),
                tolerance=float(case["tolerance"]),
                model=model,
                judgement=str(case.get("judgement", "credible")),
                source=str(case.get("source", "")),
                note=str(case.get("note", "")),
                error=err,
            )
        )
    return out


def markdown_table(results: list[CaseResult]) -> str:
    lines = [
        "| case | route | family | metric | published | model | difference | tolerance | judgement | holds |",
        "|---|---|---|---|---:|---:|---:|---:|---|:-:|",
    ]
    for r in results:
        model = f"{r.model:,.1f}" if r.model is not None else f"no route: {r.error[:60]}"
        diff = f"{r.diff:+,.1f}" if r.diff is not None else ""
        lines.append(
            f"| {r.id} | {r.origin} → {r.destination} | {r.family} | {r.metric} | {r.published:,.1f} | {model} | {diff} | ±{r.tolerance:,.1f} | {r.judgement} | {_holds(r.holds)} |"
        )
    return "\n".join(lines)


def _holds(h: bool | None) -> str:
    return "reported" if h is None else ("yes" if h else "NO")


def main() -> None:
    """Print the validation table (``python -m corridors.validation``) for docs/validation.md."""
    print(markdown_table(run_cases()))


if __name__ == "__main__":
    main()
