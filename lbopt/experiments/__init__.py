"""Experiments: paper reproductions and sweeps, run as lists of independent cases through one executor."""
