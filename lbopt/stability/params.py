"""Parameters of Zou et al.'s handover schemes: the fields of the instance's ``methods.zou`` each scheme takes (the
only copy of their defaults, units and ranges is :mod:`lbopt.instance.schema`)."""

from lbopt.instance.schema import GreedyParams, ZouAlgorithmParams, ZouParams

__all__ = ["GreedyParams", "ZouAlgorithmParams", "ZouParams"]
