"""The Optimizer object: a configured algorithm plus gradient noise and its lr schedule."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from ..errors import FogwalkError
from .common import NOISE_GROUP, clip_factor, norm2
from .hyper import HyperParam
from .registry import Algorithm, OptimizerDef, get_definition
from .schedule import lr_factor


@dataclass(frozen=True, eq=False)
class Optimizer:
    """An optimizer with every hyper-parameter resolved.

    Build one with :func:`make_optimizer` from a spec such as
    ``"adam:lr=0.01,betas=0.9/0.999"``. ``init`` and ``update`` are pure.
    """

    definition: OptimizerDef
    hyper: Mapping[str, Any]
    label: str
    algorithm: Algorithm = field(repr=False)

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def spec(self) -> str:
        """The canonical text form: the name and every non-default value (a wrapper's
        base last, since whatever follows it is the base's)."""
        params = sorted(self.definition.all_params, key=lambda hp: hp.kind == "optimizer")
        changed = [
            f"{hp.name}={hp.format(self.hyper[hp.name])}"
            for hp in params
            if self.hyper[hp.name] != hp.default
        ]
        return self.name + (":" + ",".join(changed) if changed else "")

    @property
    def has_momentum(self) -> bool:
        """Whether it carries a velocity (a momentum buffer or a first-moment average)."""
        return self.definition.momentum(self.hyper)

    def with_params(self, **changes: Any) -> Optimizer:
        """A copy with some hyper-parameters changed (validated)."""
        return build(self.definition, {**self.hyper, **changes}, label=None)

    def lr_at(self, step: int) -> float:
        """The scheduled learning rate of update ``step`` (0 for the first); 1 for a
        wrapper, which has none (its base schedules its own), and for a zeroth-order
        method without one."""
        h = self.hyper
        if "lr" not in h:
            return 1.0
        factor = lr_factor(step, h["schedule"], h["warmup"], h["decay_steps"], h["decay_rate"])
        return h["lr"] * factor

    def init(self, params: np.ndarray) -> Any:
        """The initial state for ``params`` shaped ``(walkers, 2)``."""
        return self.algorithm.init(np.asarray(params, dtype=float))

    def noise(self, step: int, walkers: int, first: int = 0) -> np.ndarray | None:
        """The gradient noise of update ``step`` for walkers ``first`` to ``first + walkers
        - 1``, one row each, or None without noise.

        Seeded by (seed, step, group) for groups of :data:`NOISE_GROUP` walkers, so that
        a step's noise never depends on what ran before, and walker ``w`` gets the same
        row however the walkers are split into blocks, chunks or machines.
        """
        sigma = self.hyper["grad_noise"]
        if sigma <= 0.0:
            return None
        if walkers <= 0:
            return np.zeros((0, 2))
        seed = self.hyper["seed"]
        groups = range(first // NOISE_GROUP, -(-(first + walkers) // NOISE_GROUP))
        drawn = np.concatenate(
            [
                np.random.default_rng([seed, step, group]).standard_normal((NOISE_GROUP, 2))
                for group in groups
            ]
        )
        skip = first - groups.start * NOISE_GROUP
        return sigma * drawn[skip : skip + walkers]

    def update(
        self,
        grad: np.ndarray,
        state: Any,
        params: np.ndarray,
        step: int,
        probe: Any = None,
        noise: np.ndarray | None = None,
    ) -> tuple[np.ndarray, Any]:
        """One step: returns ``(new_params, new_state)``; inputs are left untouched.

        ``noise`` is these walkers' rows of :meth:`noise`; by default they are
        taken to be all the walkers. The noisy gradient is then clipped to
        ``clip_grad_norm`` when that is set.
        """
        if noise is None:
            noise = self.noise(step, len(grad))
        if noise is not None:
            grad = grad + noise
        max_norm = self.hyper["clip_grad_norm"]
        if max_norm > 0.0:
            factor = np.asarray(clip_factor(norm2(grad[:, 0], grad[:, 1]), max_norm))
            grad = grad * factor[:, None]
        return self.algorithm.update(grad, state, params, self.lr_at(step), step, probe)


def build(definition: OptimizerDef, values: Mapping[str, Any], label: str | None) -> Optimizer:
    """Validate ``values`` against ``definition`` and build the optimizer."""
    hyper = definition.defaults()
    for key, value in values.items():
        hyper[key] = definition.param(key).validate(value)
    if "lr" not in hyper and wrapped_param(definition) is None and not definition.zeroth_order:
        raise ValueError(f"optimizer {definition.name} declares no lr")
    if definition.check is not None:
        definition.check(hyper)
    frozen = MappingProxyType(hyper)
    optimizer = Optimizer(definition, frozen, label or "", definition.factory(frozen))
    if not label:
        object.__setattr__(optimizer, "label", optimizer.spec)
    return optimizer


def wrapped_param(definition: OptimizerDef) -> HyperParam | None:
    """The parameter holding a wrapper's base optimizer (Lookahead's ``base``), or None."""
    return next((hp for hp in definition.params if hp.kind == "optimizer"), None)


def parse_spec(text: str, definitions: Any = None) -> tuple[str, dict[str, str]]:
    """Split ``NAME:key=value,key=value`` into the name and the raw values.

    Given ``definitions`` (``get_definition``), a wrapper's spec is split as
    well: ``lookahead:k=5,base=adam:lr=0.01,betas=0.8/0.9,alpha=0.5``. What
    comes before ``base=`` is the wrapper's; what follows is the base's,
    except the keys the base does not declare and the wrapper does (``alpha``
    here). So a key both declare (RMSprop's ``alpha``) after ``base=`` is the
    base's; the wrapper's is written before ``base=``.
    """
    name, _, rest = text.strip().partition(":")
    if not name.strip():
        raise FogwalkError(f"optimizer spec {text!r} has no name")
    definition = definitions(name) if definitions is not None else None
    wrapped = wrapped_param(definition) if definition is not None else None
    if definition is not None and wrapped is not None:
        return name.strip().lower(), _split_wrapper(text, rest, definition, wrapped)
    return name.strip().lower(), _items(text, rest)


def _split_wrapper(
    text: str, rest: str, definition: OptimizerDef, wrapped: HyperParam
) -> dict[str, str]:
    """The raw values of a wrapper's spec; its base's spec is one of them, whole."""
    found = re.search(rf"(?:^|,)\s*{wrapped.name}\s*=", rest)
    if found is None:
        return _items(text, rest)
    raw = _items(text, rest[: found.start()])
    base_name, base_raw = parse_spec(rest[found.end() :])
    base = get_definition(base_name)
    own = {hp.name for hp in definition.params}
    declared = {hp.name for hp in base.all_params}
    for key in [key for key in base_raw if key not in declared and key in own]:
        if key in raw:
            raise FogwalkError(f"in optimizer spec {text!r}: {key!r} is given twice")
        raw[key] = base_raw.pop(key)
    base_items = ",".join(f"{key}={value}" for key, value in base_raw.items())
    raw[wrapped.name] = base_name + (":" + base_items if base_items else "")
    return raw


def _items(text: str, rest: str) -> dict[str, str]:
    """The ``key=value`` items of ``rest``, a part of the spec ``text``."""
    raw: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise FogwalkError(f"in optimizer spec {text!r}: {item!r} is not key=value")
        if key.strip() in raw:
            raise FogwalkError(f"in optimizer spec {text!r}: {key.strip()!r} is given twice")
        raw[key.strip()] = value
    return raw


def make_optimizer(spec: str | Optimizer, **overrides: Any) -> Optimizer:
    """Build an optimizer from its text spec (or pass one through).

    Examples
    --------
    >>> make_optimizer("adam:lr=0.01,amsgrad=true").hyper["amsgrad"]
    True
    """
    if isinstance(spec, Optimizer):
        return spec.with_params(**overrides) if overrides else spec
    if not isinstance(spec, str):
        raise FogwalkError(f"not an optimizer spec: {spec!r}")
    name, raw = parse_spec(spec, get_definition)
    definition = get_definition(name)
    try:
        values = {key: definition.param(key).parse(text) for key, text in raw.items()}
    except FogwalkError as error:
        raise FogwalkError(f"in optimizer spec {spec!r}: {error}") from None
    values.update(overrides)
    try:
        return build(definition, values, label=spec.strip())
    except FogwalkError as error:
        raise FogwalkError(f"in optimizer spec {spec!r}: {error}") from None
