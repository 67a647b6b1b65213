"""Hyper-parameter declarations: type, default, valid range, slider hints, text form."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..errors import FogwalkError

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
NONE = "none"  # the text of None, for an optional hyper-parameter


@dataclass(frozen=True, slots=True)
class HyperParam:
    """One hyper-parameter of an optimizer, declared once.

    The CLI spec parser, the scenario files and the app's editors are all
    generated from these declarations.

    Parameters
    ----------
    name
        The keyword, exactly as torch.optim spells it where torch has it.
    default
        The default value (torch's default where torch has one).
    kind
        ``"float"``, ``"int"``, ``"bool"``, ``"pair"`` (two floats, written
        ``a/b``), ``"choice"`` or ``"optimizer"`` (another optimizer's spec, the
        base of a wrapper such as Lookahead; held as its canonical spec).
    low, high
        The valid range (inclusive unless ``low_open``/``high_open``); ``None``
        for unbounded. For ``pair`` it applies to both members.
    log
        Edit on a logarithmic scale (learning rates, epsilons).
    ui_range
        The slider range when the valid range is unbounded or too wide.
    help
        One line for tooltips and ``fogwalk optimizers``.
    choices
        The allowed strings of a ``choice``.
    optional
        None is a value too (torch's ``None``: "not set", e.g. LBFGS's
        ``max_eval``), written ``none``; for a ``pair``, either member may be None.
    """

    name: str
    default: Any
    kind: str = "float"
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    log: bool = False
    ui_range: tuple[float, float] | None = None
    help: str = ""
    choices: tuple[str, ...] = ()
    optional: bool = False

    def parse(self, text: str) -> Any:
        """Turn the text form (``0.01``, ``true``, ``0.9/0.999``) into a valid value."""
        raw = text.strip()
        try:
            if self.optional and raw.lower() == NONE:
                value: Any = None
            elif self.kind == "bool":
                lowered = raw.lower()
                if lowered not in _TRUE | _FALSE:
                    raise ValueError
                value = lowered in _TRUE
            elif self.kind == "int":
                number = float(raw)
                if not number.is_integer():
                    raise ValueError
                value = int(number)
            elif self.kind == "pair":
                parts = raw.split("/")
                if len(parts) != 2:
                    raise ValueError
                value = tuple(self._member(part) for part in parts)
            elif self.kind == "choice":
                value = raw.lower()
            elif self.kind == "optimizer":
                value = raw
            else:
                value = float(raw)
        except ValueError:
            raise FogwalkError(f"{self.name}={text!r} is not {self.describe_kind()}") from None
        return self.validate(value)

    def _member(self, text: str) -> float | None:
        """One member of a pair: a number, or None for ``none`` when optional."""
        if self.optional and text.strip().lower() == NONE:
            return None
        return float(text)

    def validate(self, value: Any) -> Any:
        """Check ``value`` against the kind and range; return it normalised."""
        if value is None and self.optional and self.kind != "pair":
            return None
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise FogwalkError(f"{self.name} must be true or false, got {value!r}")
            return value
        if self.kind == "optimizer":
            from .optimizer import make_optimizer  # the registry needs this module first

            if not isinstance(value, str):
                raise FogwalkError(f"{self.name} must be an optimizer spec, got {value!r}")
            try:
                return make_optimizer(value).spec
            except FogwalkError as error:
                raise FogwalkError(f"{self.name}: {error}") from None
        if self.kind == "choice":
            if value not in self.choices:
                raise FogwalkError(
                    f"{self.name}={value!r} is not one of: {', '.join(self.choices)}"
                )
            return value
        if self.kind == "pair":
            try:
                members = tuple(None if v is None and self.optional else float(v) for v in value)
            except (TypeError, ValueError):
                raise FogwalkError(
                    f"{self.name} must be {self.describe_kind()}, got {value!r}"
                ) from None
            if len(members) != 2:
                raise FogwalkError(f"{self.name} must be {self.describe_kind()}, got {value!r}")
            for member in members:
                if member is not None:
                    self._check_range(member)
            return members
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FogwalkError(f"{self.name} must be {self.describe_kind()}, got {value!r}")
        if self.kind == "int":
            if float(value) != int(value):
                raise FogwalkError(f"{self.name} must be an integer, got {value!r}")
            value = int(value)
        else:
            value = float(value)
        self._check_range(value)
        return value

    def _check_range(self, value: float) -> None:
        if not math.isfinite(value):
            raise FogwalkError(f"{self.name} must be finite, got {value!r}")
        too_low = self.low is not None and (
            value <= self.low if self.low_open else value < self.low
        )
        too_high = self.high is not None and (
            value >= self.high if self.high_open else value > self.high
        )
        if too_low or too_high:
            raise FogwalkError(f"{self.name}={value!r} is out of range: {self.describe_range()}")

    def describe_kind(self) -> str:
        kind = {
            "bool": "true or false",
            "int": "an integer",
            "pair": "two numbers written a/b",
            "choice": "one of " + "|".join(self.choices),
            "optimizer": "an optimizer spec",
        }.get(self.kind, "a number")
        if self.optional:
            return kind + (" (either may be none)" if self.kind == "pair" else " or none")
        return kind

    def describe_range(self) -> str:
        """The valid range in interval notation, e.g. ``[0, 1)``."""
        if self.kind in ("bool", "choice", "optimizer"):
            return self.describe_kind()
        left = "(" if self.low_open or self.low is None else "["
        right = ")" if self.high_open or self.high is None else "]"
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        return f"{left}{low}, {high}{right}"

    def format(self, value: Any) -> str:
        """The text form of ``value``, which :meth:`parse` reads back exactly."""
        if value is None:
            return NONE
        if self.kind == "bool":
            return "true" if value else "false"
        if self.kind == "pair":
            return "/".join(NONE if v is None else repr(float(v)) for v in value)
        if self.kind == "float":
            return repr(float(value))
        return str(value)
