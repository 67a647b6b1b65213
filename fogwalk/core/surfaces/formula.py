"""Formulas typed by a user: a restricted grammar parsed with ``ast`` into SymPy, never eval."""

from __future__ import annotations

import ast
import dataclasses
import warnings
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike

from ..errors import FogwalkError
from .base import Domain, SymbolicSurface, X, Y
from .start import check_domain, pick_start

MAX_LENGTH = 2000
# Depth counts nesting (calls, parentheses, powers), not the length of a sum or product:
# SymPy's printers recurse once per level, and Python's own limit is 1,000 frames.
MAX_DEPTH = 64
# Exact numbers grow only through powers (9**9**9 has 10^8 digits): a power is refused before
# SymPy builds a number of more bits than this. Every number left in the formula must also be
# a float (lambdify writes it into NumPy code), so numerators and denominators stay below 1e300.
MAX_BITS = 1 << 14
MAX_FLOAT_BITS = 996
# Size counts the nodes of the gradient's expression tree: derivatives grow fastest through
# products (a product of n factors has a gradient of about 4 n^2 nodes) and towers of powers,
# and SymPy's time to derive, simplify and compile grows with it (the Hessian, derived only
# when asked, is some 20-100 times larger). 5,000 nodes compile in about a second.
MAX_NODES = 5000
DEFAULT_DOMAIN: Domain = (-3.0, 3.0, -3.0, 3.0)

_CONSTANTS: dict[str, sp.Expr] = {"x": X, "y": Y, "pi": sp.pi, "e": sp.E}
_FUNCTIONS = {
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "exp": sp.exp,
    "log": sp.log,
    "ln": sp.log,
    "log10": lambda a: sp.log(a) / sp.log(10),
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
    "tanh": sp.tanh,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "arctan": sp.atan,
    "atan": sp.atan,
    "arcsin": sp.asin,
    "asin": sp.asin,
    "arccos": sp.acos,
    "acos": sp.acos,
}
KNOWN_NAMES = (*_CONSTANTS, *_FUNCTIONS)
_KNOWN = "known: " + ", ".join(KNOWN_NAMES)
_ARITHMETIC = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
# A chain of these (a + b - c + ...) is one level deep, however long: see _depth.
_CHAINS = ({ast.Add, ast.Sub}, {ast.Mult, ast.Div})
_SYMBOLS = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.Invert: "~",
    ast.Not: "not",
}
_NODES = {
    ast.IfExp: "if/else is",
    ast.Compare: "comparisons are",
    ast.BoolOp: "and/or are",
    ast.Lambda: "lambda is",
    ast.ListComp: "comprehensions are",
    ast.SetComp: "comprehensions are",
    ast.DictComp: "comprehensions are",
    ast.GeneratorExp: "comprehensions are",
    ast.List: "lists are",
    ast.Tuple: "tuples are",
    ast.Set: "sets are",
    ast.Dict: "dicts are",
    ast.JoinedStr: "strings are",
    ast.NamedExpr: ":= is",
    ast.Await: "await is",
    ast.Yield: "yield is",
    ast.YieldFrom: "yield is",
    ast.Starred: "* is",
}


class _Text:
    """The formula as typed, with the mapping from the parsed text's columns back to it."""

    def __init__(self, text: str) -> None:
        self.original = text
        # Python reads ^ as xor, with lower precedence than +: x^2+1 would be x^(2+1).
        # Spell it ** before parsing and remember where every character came from.
        chars: list[str] = []
        origin: list[int] = []
        for i, char in enumerate(text):
            chars.append("**" if char == "^" else char)
            origin.extend([i, i] if char == "^" else [i])
        self.parsed = "".join(chars)
        self._origin = origin
        # ast.parse refuses leading spaces: it reads the stripped text, and its node offsets
        # count UTF-8 bytes of it, not characters.
        self.body = self.parsed.strip()
        self.lead = len(self.parsed) - len(self.parsed.lstrip())
        self._body_bytes = self.body.encode("utf-8", "surrogatepass")

    def node_offset(self, byte_offset: int) -> int:
        """The offset into the parsed text of an AST node's ``col_offset``."""
        before = self._body_bytes[:byte_offset].decode("utf-8", "ignore")
        return len(before) + self.lead

    def column(self, offset: int | None) -> int:
        """The 1-based column in the original text of an offset into the parsed text."""
        if offset is None or offset < 0:
            return 1
        if offset >= len(self._origin):
            return len(self.original) + 1
        return self._origin[offset] + 1

    def error(self, message: str, offset: int | None, hint: str = "") -> FormulaError:
        column = None if offset is None else self.column(offset)
        return FormulaError(self.original, message, column, hint)


class FormulaError(FogwalkError):
    """A bad formula: the message (one line) names what is wrong and the 1-based column.

    Attributes
    ----------
    formula : str
        The text as typed.
    reason : str
        What is wrong, without the position.
    column : int or None
        Where, 1-based; None when the whole formula is at fault.
    """

    def __init__(
        self, formula: str, reason: str, column: int | None = None, hint: str = ""
    ) -> None:
        where = "" if column is None else f" at column {column}"
        shown = formula if len(formula) <= 60 else formula[:57] + "..."
        super().__init__(f"bad formula {shown!r}: {reason}{where}{'; ' + hint if hint else ''}")
        self.formula, self.reason, self.column = formula, reason, column

    @property
    def pointer(self) -> str:
        """The formula over a caret under the column, for a fixed-width display."""
        if self.column is None:
            return self.formula
        return f"{self.formula}\n{' ' * (self.column - 1)}^"


def _bits(expr: sp.Basic) -> int:
    """The most bits any exact number in ``expr`` needs (numerator or denominator)."""
    most = 0
    for atom in expr.atoms(sp.Rational):
        most = max(most, abs(atom.p).bit_length(), atom.q.bit_length())
    return most


def _magnitude(number: sp.Expr) -> float:
    try:
        return abs(complex(sp.N(number, 15)))
    except (TypeError, ValueError, OverflowError, ArithmeticError):
        return float("inf")


def _size(base: sp.Expr) -> float:
    """About how many bits the base of a power brings to each factor of the result."""
    if base.is_Rational:
        return max(abs(base.p).bit_length(), base.q.bit_length(), 1)
    size = float(max(_bits(base), 1))
    if base.is_number:  # sqrt(2)**1000 is 2**500: the value counts too
        value = _magnitude(base)
        size = max(size, abs(float(np.log2(value))) if 0 < value < np.inf else np.inf)
    return size


class _Builder:
    """Walks the whitelisted node types bottom-up, building SymPy as it goes."""

    def __init__(self, text: _Text) -> None:
        self.text = text

    def fail(self, message: str, node: ast.AST, hint: str = "") -> FormulaError:
        offset = self.text.node_offset(getattr(node, "col_offset", 0))
        return self.text.error(message, offset, hint)

    def build(self, node: ast.AST) -> sp.Expr:
        if isinstance(node, ast.BinOp) and (type(node.op) in _ARITHMETIC or _is_pow(node)):
            return self.binary(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.build(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Constant):
            return self.number(node)
        raise self.fail(_describe(node), node)

    def binary(self, node: ast.BinOp) -> sp.Expr:
        if _is_pow(node):
            return self.power(node)
        # A long sum is a left-leaning chain: fold it in a loop, not by recursion.
        chain = next(ops for ops in _CHAINS if type(node.op) in ops)
        links: list[ast.BinOp] = []
        left: ast.AST = node
        while isinstance(left, ast.BinOp) and type(left.op) in chain:
            links.append(left)
            left = left.left
        result = self.build(left)
        for link in reversed(links):
            right = self.build(link.right)
            if isinstance(link.op, ast.Div) and right == 0:
                raise self.fail("division by zero", link.right)
            result = _ARITHMETIC[type(link.op)](result, right)
        return result

    def power(self, node: ast.BinOp) -> sp.Expr:
        base, exponent = self.build(node.left), self.build(node.right)
        if exponent.is_number and _magnitude(exponent) * _size(base) > MAX_BITS:
            raise self.fail(f"a power too large (more than {MAX_BITS} bits)", node)
        if base == 0 and exponent.is_number and exponent.is_negative:
            raise self.fail("division by zero", node)
        return base**exponent

    def call(self, node: ast.Call) -> sp.Expr:
        if not isinstance(node.func, ast.Name):
            raise self.fail("only a function name can be called", node.func)
        name = node.func.id
        if name not in _FUNCTIONS:
            hint = "known functions: " + ", ".join(_FUNCTIONS)
            raise self.fail(f"unknown function {name!r}", node.func, hint)
        if node.keywords:
            raise self.fail(f"{name}() takes no keyword arguments", node)
        if len(node.args) != 1:
            raise self.fail(f"{name}() takes exactly one argument, got {len(node.args)}", node)
        if isinstance(node.args[0], ast.Starred):
            raise self.fail("* is not allowed", node.args[0])
        return _FUNCTIONS[name](self.build(node.args[0]))

    def name(self, node: ast.Name) -> sp.Expr:
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        if node.id in _FUNCTIONS:
            raise self.fail(f"the function {node.id} needs an argument, as in {node.id}(x)", node)
        raise self.fail(f"unknown name {node.id!r}", node, _KNOWN)

    def number(self, node: ast.Constant) -> sp.Expr:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{value!r} is not a number", node)
        if isinstance(value, int):
            if value.bit_length() > MAX_FLOAT_BITS:
                raise self.fail("a number too large (the limit is 1e300)", node)
            return sp.Integer(value)
        if not np.isfinite(value):
            raise self.fail("a number too large (the limit is 1e300)", node)
        return sp.Float(value)


def _is_pow(node: ast.BinOp) -> bool:
    return isinstance(node.op, ast.Pow)


def _describe(node: ast.AST) -> str:
    """Why a node type is refused, in the formula's own words."""
    if isinstance(node, ast.BinOp | ast.UnaryOp):
        symbol = _SYMBOLS.get(type(node.op), type(node.op).__name__)
        return f"the operator {symbol} is not allowed (use + - * / ** ^)"
    if isinstance(node, ast.Attribute):
        return "attribute access (a.b) is not allowed"
    if isinstance(node, ast.Subscript):
        return "subscripts (a[b]) are not allowed"
    if isinstance(node, ast.Constant):
        return f"{node.value!r} is not a number"
    what = _NODES.get(type(node), type(node).__name__.lower())
    return f"{what} not allowed in a formula"


def _depth(tree: ast.AST) -> int:
    """Nesting depth, walked with an explicit stack (a deep tree must not recurse here)."""
    deepest = 0
    stack: list[tuple[ast.AST, int, type | None]] = [(tree, 0, None)]
    while stack:
        node, depth, parent_op = stack.pop()
        op = type(node.op) if isinstance(node, ast.BinOp) else None
        if not any(op in chain and parent_op in chain for chain in _CHAINS):
            depth += 1
        deepest = max(deepest, depth)
        stack.extend((child, depth, op) for child in ast.iter_child_nodes(node))
    return deepest


def _syntax_error(text: _Text, error: SyntaxError) -> FormulaError:
    message = (error.msg or "invalid syntax").split(" (")[0]
    if "decimal literal" in message:
        message += " (write 2*x for a product)"
    elif "never closed" in message or "unexpected EOF" in message:
        message = "a parenthesis is never closed"
    if not error.offset:  # Python points nowhere when the text ends too soon ("x +")
        return text.error("it ends too soon", len(text.parsed.rstrip()))
    return text.error(message, error.offset - 1 + text.lead)  # this one counts characters


def _count_nodes(expr: sp.Basic, limit: int) -> int:
    """Nodes of the expression tree (shared parts counted each time), stopping past ``limit``:
    a tree can grow exponentially while SymPy shares its parts, so it is never walked whole."""
    count = 0
    for _ in sp.preorder_traversal(expr):
        count += 1
        if count > limit:
            break
    return count


def _check_numbers(expr: sp.Expr, text: _Text) -> None:
    if expr.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
        raise text.error("it is infinite or undefined (such as 1/0 or log(0))", None)
    if expr.has(sp.I):
        raise text.error("it has complex values (such as sqrt(-1))", None)
    if _bits(expr) > MAX_FLOAT_BITS or any(
        not np.isfinite(float(f)) or abs(float(f)) > 1e300 for f in expr.atoms(sp.Float)
    ):
        raise text.error("it has a number beyond 1e300", None)


def parse_formula(text: str) -> sp.Expr:
    """Parse a formula in ``x`` and ``y`` into a SymPy expression, without running it.

    The grammar: numbers, ``x``, ``y``, ``pi``, ``e``; ``+ - * / **`` (``^`` is a
    synonym for ``**``), unary minus, parentheses; and one-argument functions
    ``sin cos tan exp log ln log10 sqrt abs tanh sinh cosh arctan atan arcsin asin
    arccos acos``. Python's ``ast`` reads the text; a whitelist of node types
    becomes SymPy node by node. Nothing is ever evaluated as Python.

    Parameters
    ----------
    text
        The formula, one line of at most ``MAX_LENGTH`` characters.

    Returns
    -------
    sympy.Expr
        The expression in :data:`fogwalk.core.surfaces.base.X` and ``Y``.

    Raises
    ------
    FogwalkError
        Naming what is wrong and its 1-based column, with a caret line.

    Examples
    --------
    >>> parse_formula("x^2 + 3*sin(y)")
    x**2 + 3*sin(y)
    """
    if not isinstance(text, str):
        raise FogwalkError(f"a formula must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(text, f"longer than {MAX_LENGTH} characters")
    if not text.strip():
        raise FormulaError(text, "it is empty")
    if any(char in text for char in "\n\r\x00"):
        raise FormulaError(text, "it must be one line of text")
    source = _Text(text)
    try:
        with warnings.catch_warnings():  # "1if x": Python warns, then fails; the error says it
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(source.body, mode="eval")
    except SyntaxError as error:
        raise _syntax_error(source, error) from None
    except (ValueError, RecursionError, MemoryError, UnicodeError):  # absurd nesting, surrogates
        raise FormulaError(text, "it cannot be read") from None
    if _depth(tree) > MAX_DEPTH:
        raise FormulaError(text, f"nested more than {MAX_DEPTH} levels deep")
    try:
        expr = _Builder(source).build(tree.body)
    except RecursionError:
        raise FormulaError(text, "too complex") from None
    _check_numbers(expr, source)
    return expr


@dataclass(frozen=True, eq=False)
class FormulaSurface(SymbolicSurface):
    """A :class:`SymbolicSurface` from a typed formula, robust to kinks and complex branches.

    ``abs`` differentiates to ``sign``, whose derivative SymPy writes as a Dirac
    delta: zero everywhere it can be evaluated, so the Hessian drops it. A
    derivative that leaves the reals (``(-2)**x`` has ``log(-2)``) is NaN where
    its value is complex, as the value itself is under NumPy.
    """

    @cached_property
    def _hessian(self) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
        gx, gy = self._gradient
        terms = (sp.diff(gx, X), sp.diff(gx, Y), sp.diff(gy, Y))
        hxx, hxy, hyy = (t.replace(sp.DiracDelta, lambda *_: sp.S.Zero) for t in terms)
        return hxx, hxy, hyy

    def _call(self, key: str, x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, ...]:
        return tuple(_real(v) for v in SymbolicSurface._call(self, key, x, y))


def _real(values: ArrayLike) -> np.ndarray:
    values = np.asarray(values)
    if values.dtype.kind == "c":
        return np.where(values.imag == 0, values.real, np.nan)
    return values if values.dtype.kind == "f" else values.astype(float)


def formula_surface(text: str, domain: Domain | None = None) -> SymbolicSurface:
    """A surface from a formula in ``x`` and ``y``, with SymPy's exact gradient and Hessian.

    Parameters
    ----------
    text
        See :func:`parse_formula`.
    domain
        ``(xmin, xmax, ymin, ymax)``; default ``(-3, 3, -3, 3)``.

    Returns
    -------
    SymbolicSurface
        Named by the formula's text (with its spaces normalised), labelled
        ``f(x, y) = ...``, starting up a slope (see
        :func:`~fogwalk.core.surfaces.start.pick_start`). A formula without
        ``x`` or ``y`` is a flat surface.

    Raises
    ------
    FogwalkError
        For a bad formula or domain, or one that cannot be evaluated.

    Examples
    --------
    >>> surface = formula_surface("x^2 + 10*y^2")
    >>> surface.grad(1.0, 1.0)
    (array(2.), array(20.))
    """
    domain = check_domain(DEFAULT_DOMAIN if domain is None else domain)
    expr = parse_formula(text)
    name = " ".join(text.split())
    surface = FormulaSurface(
        name,
        expr,
        domain,
        label=f"f(x, y) = {name}",
        description=f"The formula {name}; SymPy derives its exact gradient and Hessian.",
        source="formula",
    )
    try:
        size = sum(_count_nodes(part, MAX_NODES) for part in surface._gradient)
    except RecursionError:
        size = MAX_NODES + 1
    if size > MAX_NODES:
        raise FormulaError(
            name,
            f"too large: its gradient has more than {MAX_NODES} nodes, the limit (long "
            "products and towers of powers grow fastest)",
        )
    xmin, xmax, ymin, ymax = domain
    gx, gy = np.meshgrid(np.linspace(xmin, xmax, 33), np.linspace(ymin, ymax, 33))
    try:
        values, slope_x, slope_y = surface.value_and_grad(gx, gy)
    except (ArithmeticError, TypeError, ValueError, NameError) as error:
        reason = " ".join(str(error).split())[:120]
        raise FormulaError(name, f"it cannot be evaluated ({reason})") from None
    except RecursionError:
        raise FormulaError(name, "too complex to compile") from None
    usable = np.isfinite(slope_x) & np.isfinite(slope_y)
    start = pick_start(gx, gy, np.where(usable, values, np.nan))
    return dataclasses.replace(surface, start=start)
