"""Sampling designs: uniform [0, 1)^d points for uncertainty and variance-based sensitivity analysis.

* ``ua``: ``n`` runs, random (numpy ``Generator``) or quasi-random (scrambled Sobol').
* ``sa``: Saltelli's A/B/AB_i design, ``n (d + 2)`` runs in COINr's row order: the
  ``n`` rows of A, the ``n`` rows of B, then for each input i the ``n`` rows of AB_i
  (A with column i taken from B). A and B are the two halves of one 2d-dimensional
  scrambled Sobol' sequence (or of a random matrix), so they are independent.
* ``ab``: only the A and B rows of ``sa`` (the same ``2 n`` points): every per-unit
  statistic of ``sa`` (which uses A and B only) at a fraction of the cost, no Sobol
  indices. A panel runs ``sa`` for its headline year and ``ab`` for the others, so the
  runs of every year are the same points and year-on-year changes pair run by run.

Every draw comes from ``np.random.SeedSequence(seed)``: its first spawned child seeds
the design, the second the inputs' own draws (noisy weight sets), the third the
bootstrap. For random designs each block of :data:`BLOCK` rows has its own spawned
child seed, so a worker can draw its rows alone and the design does not depend on how
the runs are sharded. Sobol' points need ``n`` a power of two for their balance
properties; other ``n`` work (COINr's example uses 100) and scipy's warning is muted.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from dividend.sensitivity.inputs import SensitivityError

DESIGNS = ("ua", "sa", "ab")
SAMPLERS = ("sobol", "random")
BLOCK = 1024  # rows per independently seeded block of a random design


@dataclass(frozen=True)
class Design:
    """Uniform design points and how they are laid out.

    Attributes:
        u: (n_runs, d) points in [0, 1).
        kind: ``ua`` or ``sa``.
        n: base sample size (``n_runs = n`` for ua, ``n (d + 2)`` for sa).
        d: number of inputs.
        block: per run, ``A``, ``B``, ``AB<i>`` (1-based input) or ``UA``.
    """

    u: np.ndarray
    kind: str
    n: int
    d: int
    sampler: str

    @property
    def n_runs(self) -> int:
        return self.u.shape[0]

    def block_labels(self, names: list[str] | tuple[str, ...]) -> np.ndarray:
        """Per run: ``UA``, ``A``, ``B`` or ``AB:<input name>``."""
        if self.kind == "ua":
            return np.full(self.n_runs, "UA", dtype=object)
        if self.kind == "ab":
            return np.repeat(np.array(["A", "B"], dtype=object), self.n)
        labels = ["A", "B", *(f"AB:{n}" for n in names)]
        return np.repeat(np.array(labels, dtype=object), self.n)


def seeds(
    seed: int,
) -> tuple[np.random.SeedSequence, np.random.SeedSequence, np.random.SeedSequence]:
    """(design, inputs, bootstrap) child seed sequences of ``seed``."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise SensitivityError(f"seed: must be a non-negative integer, got {seed!r}")
    design, inputs, boot = np.random.SeedSequence(int(seed)).spawn(3)
    return design, inputs, boot


def _sobol(n: int, dim: int, ss: np.random.SeedSequence) -> np.ndarray:
    engine = qmc.Sobol(d=dim, scramble=True, seed=np.random.default_rng(ss))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*balance properties.*")
        return engine.random(n)


def _random(n: int, dim: int, ss: np.random.SeedSequence) -> np.ndarray:
    """Blocks of BLOCK rows, each from its own spawned child seed (shard-independent)."""
    n_blocks = -(-n // BLOCK)
    children = ss.spawn(n_blocks)
    parts = [
        np.random.default_rng(c).random((min(BLOCK, n - k * BLOCK), dim))
        for k, c in enumerate(children)  # one draw per block of runs, not per run
    ]
    return np.vstack(parts) if parts else np.empty((0, dim))


def make_design(n: int, d: int, seed: int, kind: str = "sa", sampler: str = "sobol") -> Design:
    """Draw a design; see the module docstring."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n <= 0:
        raise SensitivityError(f"n: must be a positive integer, got {n!r}")
    if isinstance(d, bool) or not isinstance(d, int | np.integer) or d <= 0:
        raise SensitivityError(f"the analysis needs at least one uncertain input, got d={d}")
    if kind not in DESIGNS:
        raise SensitivityError(f"design: {kind!r} is not one of {list(DESIGNS)}")
    if sampler not in SAMPLERS:
        raise SensitivityError(f"sampler: {sampler!r} is not one of {list(SAMPLERS)}")
    if kind in ("sa", "ab") and d < 2:
        raise SensitivityError(
            "design 'sa' needs at least two uncertain inputs (with one, run design 'ua')"
        )
    if kind == "sa" and n < 2:
        raise SensitivityError(f"n: design 'sa' needs n >= 2 to estimate a variance, got {n}")
    ss, _, _ = seeds(seed)
    draw = _sobol if sampler == "sobol" else _random
    if kind == "ua":
        return Design(draw(int(n), int(d), ss), kind, int(n), int(d), sampler)
    base = draw(int(n), 2 * int(d), ss)
    a, b = base[:, :d], base[:, d:]
    ab = np.repeat(a[None, :, :], d, axis=0)  # (d, n, d): AB_i = A with column i from B
    idx = np.arange(d)
    ab[idx, :, idx] = b.T
    if kind == "ab":
        return Design(np.vstack([a, b]), kind, int(n), int(d), sampler)
    u = np.vstack([a, b, ab.reshape(d * n, d)])
    return Design(u, kind, int(n), int(d), sampler)
