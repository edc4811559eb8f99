"""Parameters of Zou et al.'s handover schemes: the instance's ``methods.zou`` (the only copy)."""

from lbopt.instance.schema import ZouParams

__all__ = ["ZouParams"]
