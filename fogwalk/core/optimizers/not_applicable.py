"""Optimizers people ask for that cannot act on a hiker's 2-D point, and why.

``fogwalk optimizers --all`` lists them, so that a missing name is a stated
reason rather than a silent gap. A name here is never also registered.
"""

from __future__ import annotations

from typing import NamedTuple


class NotApplicable(NamedTuple):
    name: str
    source: str
    reason: str


NOT_APPLICABLE = (
    NotApplicable(
        "muon",
        "torch.optim.Muon (PyTorch 2.13); Jordan et al. (2024)",
        "orthogonalises the update of a weight matrix by Newton-Schulz iterations; a hiker's "
        "point is a vector, which torch's Muon refuses ('must be a 2D matrix')",
    ),
    NotApplicable(
        "sparse_adam",
        "torch.optim.SparseAdam (PyTorch 2.13)",
        "Adam for sparse gradients (embedding tables); a surface's slope is dense, and on a "
        "dense gradient it is Adam",
    ),
    NotApplicable(
        "galore",
        "Zhao et al. (2024), GaLore; pytorch-optimizer 4.1.0, GaLore",
        "projects a weight matrix's gradient onto a low-rank subspace; a 2-vector has no "
        "lower rank to project onto",
    ),
    NotApplicable(
        "adam_mini",
        "Zhang et al. (2024), Adam-mini; pytorch-optimizer 4.1.0, AdamMini",
        "shares one second moment per block of a Transformer's weights (heads, embeddings); "
        "a 2-D point has no such blocks, and one shared moment is not the method",
    ),
    NotApplicable(
        "shampoo",
        "Gupta, Koren & Singer (2018), Shampoo; pytorch-optimizer 4.1.0, Shampoo",
        "preconditions each dimension of a weight tensor with its own Kronecker factor; on a "
        "vector it degenerates to full-matrix Adagrad, which is not what Shampoo is shown for",
    ),
)
