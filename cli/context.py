"""Loading the network, parameters and router once per CLI invocation, from the global options; reading
and applying a scenario file with a one-line error."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import click

log = logging.getLogger("corridors.cli")


@contextlib.contextmanager
def _loading() -> Iterator[None]:
    """Load inside without the cyclic collector, then leave what was loaded (the network, the engine:
    millions of objects that live as long as the command) out of its passes until the command ends, so
    neither the loading nor a query's collections walk them again and again. Undone when the click
    context closes (a command run in-process, as by the tests, leaves nothing frozen behind)."""
    import gc

    from corridors.cache import paused_gc

    ctx = click.get_current_context(silent=True)
    with paused_gc():
        try:
            yield
        finally:
            if ctx is not None:
                if not ctx.meta.get("corridors.frozen"):
                    ctx.meta["corridors.frozen"] = True
                    ctx.call_on_close(gc.unfreeze)
                gc.freeze()


@dataclass
class State:
    network: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()
    params: str | None = None
    use_cache: bool = True
    calibration: str | None = None
    draws: int = 10_000
    seed: int | None = None
    quiet: bool = False
    #: a router's network read row by row when first asked for (a query reads a few hundred rows); a
    #: command that then draws the whole network (a map) sets it False: the bulk read is cheaper then
    rows_on_demand: bool = True
    _G: Any = None
    _router: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def G(self) -> Any:
        if self._G is None:
            self._load()
        return self._G

    def _load(self, rows_on_demand: bool = False) -> str | None:
        """Load the network; return its fingerprint when the cache entry holds it. For a router (the
        queries), a cached network's rows are read when first asked for."""
        from corridors.graph import load_network_with_fingerprint

        t0 = time.perf_counter()
        with _loading():
            self._G, fingerprint = load_network_with_fingerprint(
                self.layers, list(self.network) if self.network else None, use_cache=self.use_cache, rows_on_demand=rows_on_demand
            )
        if log.isEnabledFor(logging.INFO):  # counting the legs walks every node's adjacency (-v only)
            files = self._G.graph.get("files") or []
            log.info(
                "network: %d nodes, %d legs from %s in %.2f s",
                self._G.number_of_nodes(),
                self._G.number_of_edges(),
                ", ".join(files) if files else "the bundled data",
                time.perf_counter() - t0,
            )
        return fingerprint

    @property
    def router(self) -> Any:
        if self._router is None:
            import gc

            collecting = gc.isenabled()
            gc.disable()  # the routing modules and scipy: objects that stay alive (see cli/main.py)
            try:
                from corridors.params import load_parameters
                from corridors.routing import Router
                from corridors.timing import DEFAULT_SEED
            finally:
                if collecting:
                    gc.enable()

            seed = DEFAULT_SEED if self.seed is None else self.seed
            t0 = time.perf_counter()
            params = load_parameters(self.params, calibration=self.calibration or True)
            log.info("parameters from %s in %.2f s", ", ".join(params.files), time.perf_counter() - t0)
            fingerprint = self._load(rows_on_demand=self.rows_on_demand) if self._G is None else None
            self._router = Router(self.G, params, draws=self.draws, seed=seed)
            if fingerprint is not None or log.isEnabledFor(logging.INFO):
                from corridors.cache import known_fingerprint

                t0 = time.perf_counter()
                # compiled (or read from the cache) now: the graph was read with its fingerprint just above and
                # nothing has touched it since, so the engine's key needs no second hash of its content
                with _loading(), known_fingerprint(self._G, fingerprint) if fingerprint is not None else contextlib.nullcontext():
                    eng = self._router.engine
                log.info("routing engine: %d states, %d edges in %.2f s", eng.n_states, eng.n_edges, time.perf_counter() - t0)
        return self._router

    @property
    def built_router(self) -> Any:
        """The router if one was already built in this process (tests, embedding), else None."""
        return self._router


pass_state = click.make_pass_decorator(State, ensure=True)


def read_scenario_file(file: str) -> Any:
    """The scenario in ``file`` (a path or a bundled name); a bad file is one line and exit code 2."""
    from corridors.errors import ScenarioError
    from corridors.scenario import read_scenario

    from .options import BadInput

    try:
        return read_scenario(file)
    except ScenarioError as exc:
        raise BadInput(str(exc)) from None


def apply_scenario_file(state: State, s: Any, constraints: Any = None) -> Any:
    """Scenario ``s`` bound to the state's router, merged over ``constraints``; an unknown id is one
    line and exit code 2."""
    from corridors.apply import apply_scenario
    from corridors.errors import ScenarioError

    from .options import BadInput

    try:
        return apply_scenario(s, state.router, constraints)
    except ScenarioError as exc:
        raise BadInput(str(exc)) from None
