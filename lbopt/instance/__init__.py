"""Instance format 1: schema, validation, reading and writing."""

from lbopt.instance.errors import InstanceError
from lbopt.instance.io import load_instance, save_instance
from lbopt.instance.model import Instance
from lbopt.instance.schema import HandoverConfig, MethodsConfig, RadioConfig

__all__ = [
    "HandoverConfig",
    "Instance",
    "InstanceError",
    "MethodsConfig",
    "RadioConfig",
    "load_instance",
    "save_instance",
]
