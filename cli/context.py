"""Loading the network, parameters and router once per CLI invocation, from the global options."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import click


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

            self._G = load_network(self.layers, list(self.network) if self.network else None, use_cache=self.use_cache)
        return self._G

    @property
    def router(self) -> Any:
        if self._router is None:
            from corridors.params import load_parameters
            from corridors.routing import Router
            from corridors.timing import DEFAULT_SEED

            seed = DEFAULT_SEED if self.seed is None else self.seed
            self._router = Router(self.G, load_parameters(self.params, calibration=self.calibration or True), draws=self.draws, seed=seed)
        return self._router


pass_state = click.make_pass_decorator(State, ensure=True)
