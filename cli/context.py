"""Loading the network, parameters and router once per CLI invocation, from the global options."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import click

log = logging.getLogger("corridors.cli")


@dataclass
class State:
    network: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()
    params: str | None = None
    use_cache: bool = True
    calibration: str | None = None
    draws: int = 10_000
    seed: int | None = None
    _G: Any = None
    _router: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def G(self) -> Any:
        if self._G is None:
            from corridors.graph import load_network

            t0 = time.perf_counter()
            self._G = load_network(self.layers, list(self.network) if self.network else None, use_cache=self.use_cache)
            files = self._G.graph.get("files") or []
            log.info(
                "network: %d nodes, %d legs from %s in %.2f s",
                self._G.number_of_nodes(),
                self._G.number_of_edges(),
                ", ".join(files) if files else "the bundled data",
                time.perf_counter() - t0,
            )
        return self._G

    @property
    def router(self) -> Any:
        if self._router is None:
            from corridors.params import load_parameters
            from corridors.routing import Router
            from corridors.timing import DEFAULT_SEED

            seed = DEFAULT_SEED if self.seed is None else self.seed
            t0 = time.perf_counter()
            params = load_parameters(self.params, calibration=self.calibration or True)
            log.info("parameters from %s in %.2f s", ", ".join(params.files), time.perf_counter() - t0)
            self._router = Router(self.G, params, draws=self.draws, seed=seed)
            if log.isEnabledFor(logging.INFO):
                t0 = time.perf_counter()
                eng = self._router.engine  # compiled (or read from the cache) now, to time it
                log.info("routing engine: %d states, %d edges in %.2f s", eng.n_states, eng.n_edges, time.perf_counter() - t0)
        return self._router


pass_state = click.make_pass_decorator(State, ensure=True)
