"""An optimizer of your own, for ``fogwalk --optimizer-file resources/optimizers/signum.py``.

Signum (Bernstein et al. 2018): the sign of a momentum. Register a factory that
returns an ``(init, update)`` pair, with its hyper-parameters declared; it
then walks in the app, ``trace``, ``export`` and scenarios like a built-in one:

    fogwalk --optimizer-file resources/optimizers/signum.py trace rosenbrock -O signum:lr=0.01
"""

import numpy as np

from fogwalk.core.optimizers import Algorithm, HyperParam, register


@register(
    "signum",
    params=(
        HyperParam("lr", 0.001, low=0.0, log=True, ui_range=(1e-5, 1.0), help="step length"),
        HyperParam("momentum", 0.9, low=0.0, high=1.0, high_open=True, help="momentum"),
    ),
    summary="steps of fixed length along the sign of a momentum",
    source="Bernstein, Wang, Azizzadenesheli & Anandkumar (2018), signSGD, Algorithm 3",
    momentum=lambda h: True,
)
def signum(h):
    def init(params):
        return np.zeros_like(params)  # the momentum, one per coordinate of each walker

    def update(grad, momentum, params, lr, step, probe):
        # Pure: return new arrays, never change the ones given.
        momentum = h["momentum"] * momentum + (1 - h["momentum"]) * grad
        return params - lr * np.sign(momentum), momentum

    return Algorithm(init, update)
