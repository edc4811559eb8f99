"""Scenario generators for notebooks: the functions behind ``lbopt generate``, each returning an
:class:`~lbopt.instance.model.Instance` (save it with :func:`lbopt.save_instance`).

* :func:`hexgrid` — a hexagonal macro grid (``generate hexgrid``);
* :func:`hetnet` — Jia et al.'s HetNet of macro cells with edge picocells and busy cells (``generate hetnet``);
* :func:`vgala` — Han & Ansari's random macro and small cells over a location grid (``generate vgala``);
* :func:`zou16` — Zou et al.'s 16-BS set-up (``generate zou16``);
* :func:`breathing` — a synthetic MR day over a jittered macro layout (``generate breathing``);
* :func:`mr_day` — an MR day over the cells of an existing instance (``generate mr``);
* :func:`drop` — users dropped on an existing layout (``generate drop``);
* :func:`busy_hour` — users drawn cell by cell to assumed PRB utilisation targets (``generate busy-hour``);
* :func:`sites` — a real layout from a site list or an OpenCelliD export (``generate sites``);
* :func:`kpi` — a cell-level instance from PRB counters and handover attempts (``generate kpi``).

Examples
--------
>>> from lbopt import generate
>>> net = generate.hetnet(rings=1, busy_cells=2, seed=1)
>>> net.n_cells > 7, net.users is not None
(True, True)
"""

from __future__ import annotations

from lbopt.scenarios.busy_hour import busy_hour_instance as busy_hour
from lbopt.scenarios.drop import drop_on_layout as drop
from lbopt.scenarios.hetnet import hetnet
from lbopt.scenarios.hexgrid import hex_grid as hexgrid
from lbopt.scenarios.kpi import from_kpi as kpi
from lbopt.scenarios.layouts import vgala_layout as vgala
from lbopt.scenarios.layouts import zou16
from lbopt.scenarios.mr_day import breathing_area as breathing
from lbopt.scenarios.mr_day import with_mr_day as mr_day
from lbopt.scenarios.sites import from_sites as sites

__all__ = ["breathing", "busy_hour", "drop", "hetnet", "hexgrid", "kpi", "mr_day", "sites", "vgala", "zou16"]


def __dir__() -> list[str]:
    return sorted(__all__)
