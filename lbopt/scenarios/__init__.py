"""Scenario generators: the papers' set-ups, random layouts, user drops, and real site lists."""

from lbopt.scenarios.hetnet import hetnet, with_serving
from lbopt.scenarios.hexgrid import hex_cells, hex_grid, neighbour_links
from lbopt.scenarios.layouts import vgala_layout, zou16
from lbopt.scenarios.sites import from_sites

__all__ = ["from_sites", "hetnet", "hex_cells", "hex_grid", "neighbour_links", "vgala_layout", "with_serving", "zou16"]
