"""The non-conservative analysis (Zou et al. eqs. 22–27) of any method that executes handovers, step by step.

Given the cell loads before every step and the handovers of the step (user, source cell, target cell), the realised
``ε_ij`` of eq. 22 reproduce the step's load changes exactly (:func:`lbopt.stability.handover.realised_epsilon`);
from them ``α``, ``γ̂``, ``V(e(k))``, the one-step bound on ``V(e(k+1))`` (eq. 26) and ``Ṽ`` (eq. 27)
(:func:`lbopt.stability.nonconservative.bound`). The same analysis Zou et al.'s schemes get in their simulation, for
MLB's periods and OSLB's execution; the verdict: a method still handing over in the last tenth of its steps
``oscillates``, else it ``settles``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lbopt.stability.handover import realised_epsilon
from lbopt.stability.nonconservative import bound

__all__ = ["TAIL_SHARE", "transfer_analysis", "verdict"]

#: the last share of the steps in which handovers still happening mean the method has not settled
TAIL_SHARE = 0.1


def transfer_analysis(
    serving: np.ndarray, events: pd.DataFrame, user_load: np.ndarray, adjacency: np.ndarray, steps: int
) -> pd.DataFrame:
    """One row per step: handovers, α, γ̂, V before and after, the eq. 26 bound and whether it held, Ṽ.

    Parameters
    ----------
    serving : cell of every user before the first step.
    events : ``step`` (1-based), ``user``, ``source``, ``target``: the handovers of every step.
    user_load : users × cells, the load a user puts on each cell (PRBs there over the cell's PRBs).
    adjacency : cells × cells, the neighbour relation ``a_ij``.
    steps : the number of steps the method ran (steps without handovers get a row too).
    """
    serving = serving.copy()
    rows = np.arange(len(serving))
    a = np.asarray(adjacency, float)
    by_step = dict(tuple(events.groupby("step"))) if len(events) else {}
    rho = np.bincount(serving, user_load[rows, serving], user_load.shape[1])
    out = []
    for k in range(1, steps + 1):
        e = rho - rho.mean()
        step = by_step.get(k, events.iloc[:0])
        record = {"step": k, "handovers": len(step), "v": float(e @ e)}
        if len(step):
            users = step["user"].to_numpy(int)
            src, dst = step["source"].to_numpy(int), step["target"].to_numpy(int)
            eps, unrepresentable = realised_epsilon(rho, src, dst, users, user_load)
            exchanged = ((eps != 0) | (eps.T != 0)).astype(float)  # pairs that exchanged users count as neighbours
            b = bound(rho, np.maximum(a, exchanged), eps)
            serving[users] = dst
            after = np.bincount(serving, user_load[rows, serving], user_load.shape[1])
            v_after = float(((after - after.mean()) ** 2).sum())
            rho = after
            record.update(
                alpha=b.alpha,
                gamma_hat=b.gamma_hat,
                v_after=v_after,
                v_next_bound=b.v_next_bound,
                v_tilde=b.v_tilde,
                bound_holds=bool(v_after <= b.v_next_bound * (1 + 1e-9) + 1e-12),
                unrepresentable_pairs=unrepresentable,
            )
        else:
            record.update(v_after=record["v"], bound_holds=True)
        out.append(record)
    return pd.DataFrame(out)


def verdict(analysis: pd.DataFrame) -> str:
    """``oscillates`` when handovers go on in the last tenth of the steps (at least the last step), else ``settles``."""
    tail = max(1, round(TAIL_SHARE * len(analysis)))
    return "oscillates" if int(analysis["handovers"].tail(tail).sum()) > 0 else "settles"


#: above this many cells the per-step eigenvalues (dense, O(N³) a step) are not computed
MAX_CELLS = 2000


def handover_stability(
    instance, serving: np.ndarray, events: pd.DataFrame, user_load: np.ndarray, steps: int, one_shot: bool = False
) -> tuple[pd.DataFrame | None, dict]:
    """The per-step analysis on the instance's cell graph and its summary (verdict, α, γ̂ and Ṽ of the last active
    step, whether eq. 26 held at every step); ``(None, {reason})`` above :data:`MAX_CELLS` cells.

    ``one_shot``: the method executes once and stops (OSLB's plan), so it ``settles`` by construction; its one
    step's α and γ̂ still say how far that execution was from a conservative transfer.
    """
    from lbopt.stability.spectrum import cell_adjacency

    if instance.n_cells > MAX_CELLS:
        return None, {"verdict": None, "reason": f"not analysed: more than {MAX_CELLS} cells"}
    adjacency = cell_adjacency(instance)[0].toarray()
    table = transfer_analysis(serving, events, user_load, adjacency, steps)
    active = table[table["handovers"] > 0]
    last = active.iloc[-1] if len(active) else None
    summary = {
        "verdict": "settles" if one_shot else verdict(table),
        "steps": steps,
        "active_steps": len(active),
        "bound_held_every_step": bool(table["bound_holds"].all()),
        "alpha_last": None if last is None else float(last["alpha"]),
        "gamma_hat_last": None if last is None else float(last["gamma_hat"]),
        "v_tilde_last": None if last is None else float(last["v_tilde"]),
        "load_spread_v_before": float(table["v"].iloc[0]),
        "load_spread_v_after": float(table["v_after"].iloc[-1]),
    }
    return table, summary
