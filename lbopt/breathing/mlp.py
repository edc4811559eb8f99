"""A monotone MLP per antenna neighbourhood: neighbourhood CPICH powers → neighbourhood coverage (NOTES §2.9).

Inputs are min–max normalised, ``x_j = (p_j − p_j^lo)/(p_j^hi − p_j^lo)``; hidden layers use the sigmoid; the
output unit is a sigmoid too (coverage lies in [0, 1]). Every weight is ``w = softplus(v) = log(1 + e^v) > 0`` of a
free parameter v (the paper's re-parametrisation; its map is lost, softplus is our choice: smooth, positive,
without the exploding gradient of ``e^v`` or the dead zero of ``v²``); biases are free. Positive weights and
increasing activations make the output non-decreasing in every input — monotone by construction, not by training.

Trained on the mean squared error with L-BFGS (scipy), analytic gradients, from a seeded initialisation; the
training set is powers drawn uniformly within the bounds (plus the two corners) with their exact coverage.
Default layers (16, 8, 4): three hidden layers, as NOTES §2.9 infers.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit


def softplus(v: np.ndarray) -> np.ndarray:
    """log(1 + e^v), computed without overflow."""
    return np.logaddexp(0.0, v)


@dataclass
class MonotoneMLP:
    """An MLP that is non-decreasing in every input (weights are softplus of free parameters): coverage as a
    function of the neighbourhood's pilot powers.
    """

    p_lo: np.ndarray  # per input: normalisation bounds (dBm)
    p_hi: np.ndarray
    shapes: list[tuple[int, int]]  # (inputs, outputs) per layer
    theta: np.ndarray  # packed free parameters (v of every weight, then biases) per layer

    @classmethod
    def init(cls, p_lo, p_hi, hidden=(16, 8, 4), seed: int = 0) -> MonotoneMLP:
        """A network for inputs normalised to ``[p_lo, p_hi]`` with the given hidden layers, weights drawn from
        ``seed``.
        """
        sizes = [len(p_lo), *hidden, 1]
        shapes = list(itertools.pairwise(sizes))
        rng = np.random.default_rng(seed)
        parts = []
        for n_in, n_out in shapes:
            # softplus(v) ≈ e^v for v ≪ 0: start with weights around 1/n_in
            parts.append(rng.normal(np.log(np.expm1(1.0 / n_in)), 0.5, n_in * n_out))
            parts.append(rng.normal(0.0, 0.5, n_out))
        return cls(np.asarray(p_lo, float), np.asarray(p_hi, float), shapes, np.concatenate(parts))

    def _unpack(self, theta: np.ndarray):
        out, k = [], 0
        for n_in, n_out in self.shapes:
            v = theta[k : k + n_in * n_out].reshape(n_in, n_out)
            k += n_in * n_out
            b = theta[k : k + n_out]
            k += n_out
            out.append((v, b))
        return out

    def normalise(self, power: np.ndarray) -> np.ndarray:
        """Powers mapped to [0, 1] per input."""
        return (np.atleast_2d(power) - self.p_lo) / np.maximum(self.p_hi - self.p_lo, 1e-9)

    def _forward(self, theta: np.ndarray, x: np.ndarray):
        acts = [x]
        for v, b in self._unpack(theta):
            acts.append(expit(acts[-1] @ softplus(v) + b))
        return acts

    def predict(self, power: np.ndarray) -> np.ndarray:
        """Coverage for each row of powers (batch × inputs, dBm)."""
        cache = getattr(self, "_cache", None)
        if cache is None or cache[0] is not self.theta:  # positive weights computed once per parameter vector
            cache = (self.theta, [(softplus(v), b) for v, b in self._unpack(self.theta)])
            self._cache = cache
        x = (np.atleast_2d(power) - self.p_lo) * self._scale
        for w, b in cache[1]:
            x = expit(x @ w + b)
        return x[:, 0]

    @property
    def _scale(self) -> np.ndarray:
        return 1.0 / np.maximum(self.p_hi - self.p_lo, 1e-9)

    def loss_and_grad(self, theta: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """Mean squared error on (x, y) and its gradient with respect to the packed parameters."""
        acts = self._forward(theta, x)
        layers = self._unpack(theta)
        err = acts[-1][:, 0] - y
        loss = float(np.mean(err**2))
        delta = (2.0 / len(y)) * err[:, None] * acts[-1] * (1 - acts[-1])
        grads = []
        for layer in range(len(layers) - 1, -1, -1):
            v, _ = layers[layer]
            w = softplus(v)
            gw = acts[layer].T @ delta
            grads.append((gw * expit(v)).ravel())  # d softplus / dv = sigmoid(v)
            grads.append(delta.sum(axis=0))
            if layer:
                delta = (delta @ w.T) * acts[layer] * (1 - acts[layer])
        # grads were collected last layer first, as (weights, bias) pairs
        pairs = [grads[i : i + 2] for i in range(0, len(grads), 2)][::-1]
        return loss, np.concatenate([np.concatenate(p) for p in pairs])

    def fit(self, power: np.ndarray, coverage: np.ndarray, max_iter: int = 500) -> float:
        """Train on (powers, exact coverage); returns the final mean squared error."""
        x = self.normalise(power)
        y = np.asarray(coverage, float)
        res = minimize(
            self.loss_and_grad, self.theta, args=(x, y), jac=True, method="L-BFGS-B", options={"maxiter": max_iter}
        )
        self.theta = res.x
        return float(res.fun)


def training_powers(p_lo: np.ndarray, p_hi: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """``n`` power vectors uniform within the bounds, plus both corners."""
    rng = np.random.default_rng(seed)
    lo, hi = np.asarray(p_lo, float), np.asarray(p_hi, float)
    inner = lo + (hi - lo) * rng.uniform(size=(max(n - 2, 0), len(lo)))
    return np.vstack([lo, hi, inner])
