"""Stability of load balancing on the cell graph (Zou et al.): spectra, certificates, dynamics."""
