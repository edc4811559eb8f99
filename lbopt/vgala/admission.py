"""Admission control (Han & Ansari §V-C): when no association keeps every ρ_j ≤ 1 − ε, admit a share μ of the
traffic.

The rule lbopt implements (stated in every result that uses it): one common admission probability for every
location, ``μ = min(1, target / z*)``, with ``z* = min over associations of max_j ρ_j / (1 − ε)`` — so that a
balanced association carries the admitted traffic with every load at or below ``target · (1 − ε)``. The default
``target = 0.9`` keeps the latency indicator finite and the programs well conditioned; ``1 / z*``, the share at
which the caps just hold, is reported beside it. ``z*`` is certified by column generation
(:func:`formulations.association.min_max_load`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from formulations.association import AssociationProblem, min_max_load

ADMISSION_TARGET = 0.9


def admitted(problem: AssociationProblem, target: float = ADMISSION_TARGET) -> tuple[AssociationProblem, float, float]:
    """The problem with the common admission probability μ of the module docstring; returns (problem, μ, 1/z*)."""
    z, _ = min_max_load(problem)
    mu = min(1.0, target / z)
    return replace(problem, mu=np.full(problem.n_locations, mu)), mu, 1.0 / z
