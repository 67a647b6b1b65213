"""The built-in surfaces: FogWalk's own scene and the classic optimisation test functions."""

from __future__ import annotations

import math

import sympy as sp

from . import fog_mountain
from .base import Minimum, SymbolicSurface, X, Y
from .registry import register_surface

M = Minimum
_VLSE = "Surjanovic & Bingham, Virtual Library of Simulation Experiments (sfu.ca/~ssurjano)"

# Styblinski-Tang's 1-D minima are the roots of 4t^3 - 32t + 5 (solved with sympy.nsolve
# at 40 digits); the 2-D minima combine them, each 1-D term adding 0.5(t^4 - 16t^2 + 5t).
_ST_LO, _ST_HI = -2.903534027771177, 2.746802770990837
# McCormick in u = x + y, v = x - y is sin u + v^2 + u/2 - 2v + 1: v = 1 and cos u = -1/2.
_MC = math.pi / 3

# Each row: name, expression, domain (xmin, xmax, ymin, ymax), minima as M(x, y, value,
# is_global), start, label, description, source.
_SURFACES = [
    SymbolicSurface(
        "fog_mountain",
        fog_mountain.EXPR,
        (-4.0, 4.0, -4.0, 4.0),
        fog_mountain.MINIMA,
        fog_mountain.START,
        "Fog Mountain",
        "A mountain in fog: a valley winds down from the summit past two lakes to one deep"
        " bottom, and a small tarn waits on the flank. From the start plain SGD stops in the"
        " tarn, RMSprop in the upper lake, Adam in the lower one; momentum reaches the bottom.",
        "FogWalk",
    ),
    SymbolicSurface(
        "rosenbrock",
        (1 - X) ** 2 + 100 * (Y - X**2) ** 2,
        (-2.0, 2.0, -1.0, 3.0),
        (M(1.0, 1.0, 0.0),),
        (-1.5, 2.0),
        "Rosenbrock",
        "A long, narrow, curved valley whose floor is almost flat. Finding the valley is easy;"
        " following it to the minimum at (1, 1) is what separates optimizers.",
        "Rosenbrock (1960), The Computer Journal 3(3)",
        log_height=True,
    ),
    SymbolicSurface(
        "beale",
        (1.5 - X + X * Y) ** 2 + (2.25 - X + X * Y**2) ** 2 + (2.625 - X + X * Y**3) ** 2,
        (-4.5, 4.5, -4.5, 4.5),
        (M(3.0, 0.5, 0.0),),
        (1.0, 1.5),
        "Beale",
        "Flat plateaus bordered by steep walls that climb to 10^5 in the corners. The minimum"
        " at (3, 0.5) lies at the end of a shallow, bent trough.",
        "Beale (1958); " + _VLSE,
        log_height=True,
    ),
    SymbolicSurface(
        "himmelblau",
        (X**2 + Y - 11) ** 2 + (X + Y**2 - 7) ** 2,
        (-5.0, 5.0, -5.0, 5.0),
        (
            M(3.0, 2.0, 0.0),
            M(-2.805118086952745, 3.131312518250573, 0.0),
            M(-3.779310253377747, -3.2831859912861696, 0.0),
            M(3.5844283403304917, -1.8481265269644036, 0.0),
        ),
        (0.0, 0.0),
        "Himmelblau",
        "Four equally deep minima around a central hill. Which one a walker ends in depends"
        " on where it starts and how it steps.",
        "Himmelblau (1972), Applied Nonlinear Programming",
    ),
    SymbolicSurface(
        "rastrigin",
        20 + X**2 - 10 * sp.cos(2 * sp.pi * X) + Y**2 - 10 * sp.cos(2 * sp.pi * Y),
        (-5.12, 5.12, -5.12, 5.12),
        (M(0.0, 0.0, 0.0),),
        (3.2, 2.6),
        "Rastrigin",
        "A bowl covered in an egg-crate of about a hundred local minima. Gradient descent"
        " stops in the nearest dimple; only the bowl's overall shape points to the origin.",
        "Rastrigin (1974); " + _VLSE,
    ),
    SymbolicSurface(
        "ackley",
        -20 * sp.exp(-0.2 * sp.sqrt((X**2 + Y**2) / 2))
        - sp.exp((sp.cos(2 * sp.pi * X) + sp.cos(2 * sp.pi * Y)) / 2)
        + sp.E
        + 20,
        (-5.0, 5.0, -5.0, 5.0),
        (M(0.0, 0.0, 0.0),),
        (3.6, -2.8),
        "Ackley",
        "A nearly flat, rippled plain with a sharp funnel at the origin. The funnel's tip is"
        " not differentiable, so no gradient method settles exactly on it.",
        "Ackley (1987), A Connectionist Machine for Genetic Hillclimbing",
    ),
    SymbolicSurface(
        "styblinski_tang",
        (X**4 - 16 * X**2 + 5 * X + Y**4 - 16 * Y**2 + 5 * Y) / 2,
        (-5.0, 5.0, -5.0, 5.0),
        (
            M(_ST_LO, _ST_LO, -78.33233140754282),
            M(_ST_HI, _ST_LO, -64.19561235905536, False),
            M(_ST_LO, _ST_HI, -64.19561235905536, False),
            M(_ST_HI, _ST_HI, -50.05889331056788, False),
        ),
        (-0.2, 4.5),
        "Styblinski-Tang",
        "Four basins of different depths in a square, separated by a low cross-shaped ridge."
        " Only the one at the lower left is global.",
        "Styblinski & Tang (1990), Neural Networks 3(4)",
    ),
    SymbolicSurface(
        "goldstein_price",
        (1 + (X + Y + 1) ** 2 * (19 - 14 * X + 3 * X**2 - 14 * Y + 6 * X * Y + 3 * Y**2))
        * (30 + (2 * X - 3 * Y) ** 2 * (18 - 32 * X + 12 * X**2 + 48 * Y - 36 * X * Y + 27 * Y**2)),
        (-2.0, 2.0, -2.0, 2.0),
        (
            M(0.0, -1.0, 3.0),
            M(-0.6, -0.4, 30.0, False),
            M(1.8, 0.2, 84.0, False),
            M(1.2, 0.8, 840.0, False),
        ),
        (-1.0, 0.0),
        "Goldstein-Price",
        "Values from 3 to a million, with three deceptive local minima on the way down. The"
        " global minimum, 3 at (0, -1), sits in a narrow cross-shaped trough.",
        "Goldstein & Price (1971), Mathematics of Computation 25(115)",
        log_height=True,
    ),
    # The two camels use the plotted domains of Surjanovic & Bingham: on their evaluation
    # domains ([-3, 3] x [-2, 2] and [-5, 5]^2) walls of 160 and 2000 dwarf humps of 1 or 2.
    SymbolicSurface(
        "six_hump_camel",
        (4 - 2.1 * X**2 + X**4 / 3) * X**2 + X * Y + (-4 + 4 * Y**2) * Y**2,
        (-2.0, 2.0, -1.0, 1.0),
        (
            M(0.08984201310031806, -0.7126564030207396, -1.0316284534898774),
            M(-0.08984201310031806, 0.7126564030207396, -1.0316284534898774),
            M(-1.703606714969981, 0.7960835686726251, -0.21546382438371764, False),
            M(1.703606714969981, -0.7960835686726251, -0.21546382438371764, False),
            M(1.6071047529201972, 0.5686514548841314, 2.1042503103112584, False),
            M(-1.6071047529201972, -0.5686514548841314, 2.1042503103112584, False),
        ),
        (1.9, 0.9),
        "Six-Hump Camel",
        "Six minima on a camel's back: two global ones near the centre and four local ones"
        " on the flanks. The global pair is point-symmetric, so a walker picks one by chance.",
        "Dixon & Szegö (1978); " + _VLSE,
    ),
    SymbolicSurface(
        "three_hump_camel",
        2 * X**2 - 1.05 * X**4 + X**6 / 6 + X * Y + Y**2,
        (-2.0, 2.0, -2.0, 2.0),
        (
            M(0.0, 0.0, 0.0),
            M(1.7475523458302888, -0.8737761729151444, 0.2986384422368598, False),
            M(-1.7475523458302888, 0.8737761729151444, 0.2986384422368598, False),
        ),
        (1.6, 1.6),
        "Three-Hump Camel",
        "A central minimum flanked by two shallow local ones along a tilted ridge. A walker"
        " starting on the flank easily settles in the wrong hump.",
        _VLSE,
    ),
    SymbolicSurface(
        "booth",
        (X + 2 * Y - 7) ** 2 + (2 * X + Y - 5) ** 2,
        (-10.0, 10.0, -10.0, 10.0),
        (M(1.0, 3.0, 0.0),),
        (-8.0, 8.0),
        "Booth",
        "A tilted quadratic bowl with condition number 9. Descent cuts across the bowl first"
        " and then slides along its long axis.",
        _VLSE,
    ),
    SymbolicSurface(
        "matyas",
        0.26 * (X**2 + Y**2) - 0.48 * X * Y,
        (-10.0, 10.0, -10.0, 10.0),
        (M(0.0, 0.0, 0.0),),
        (-9.0, -6.0),
        "Matyas",
        "A quadratic plate bent into a very flat diagonal valley (condition number 25). Plain"
        " gradient descent crawls along its floor; momentum and Adam do not.",
        _VLSE,
    ),
    SymbolicSurface(
        "mccormick",
        sp.sin(X + Y) + (X - Y) ** 2 - 1.5 * X + 2.5 * Y + 1,
        (-1.5, 4.0, -3.0, 4.0),
        (
            M(0.5 - _MC, -0.5 - _MC, -math.sqrt(3) / 2 - _MC),
            M(0.5 + 2 * _MC, -0.5 + 2 * _MC, -math.sqrt(3) / 2 + 2 * _MC, False),
        ),
        (-1.0, 3.5),
        "McCormick",
        "A straight trough with a sine wave rolling along its floor. Two of its dips lie in"
        " the domain; the lower one is global.",
        _VLSE,
    ),
    SymbolicSurface(
        "saddle",
        X**2 - Y**2,
        (-2.0, 2.0, -2.0, 2.0),
        (),
        (1.8, 0.05),
        "Saddle",
        "A horse saddle: up along x, down along y, with zero gradient in the middle. A walker"
        " slows to a crawl near the saddle point before sliding off.",
        "Hyperbolic paraboloid (classic)",
    ),
    SymbolicSurface(
        "monkey_saddle",
        X**3 - 3 * X * Y**2,
        (-2.0, 2.0, -2.0, 2.0),
        (),
        (1.5, 0.1),
        "Monkey Saddle",
        "Three valleys and three ridges meet in a flat point where even the curvature"
        " vanishes. Gradient descent slows down far more than on an ordinary saddle.",
        "Hilbert & Cohn-Vossen (1932), Anschauliche Geometrie",
    ),
]

for _surface in _SURFACES:
    register_surface(_surface)

# The generative-model objectives follow the classic test functions in every listing.
from . import generative as _generative  # noqa: E402, F401
