"""Build ``instances/melbourne-cbd-busy-hour.yaml``: a busy hour on Optus's 125 CBD sites (issue "real networks").

The layout is ``melbourne-cbd.yaml``'s (ACMA register via the EUA dataset); what the register does not say is
assumed and written into the instance's description:

* every macro site has three sectors, azimuths 0°, 120°, 240° (the register lists no azimuths), on a 20 MHz LTE
  carrier (100 PRBs); micro sites stay omni on 10 MHz (50 PRBs);
* log-normal shadowing σ = 6 dB, interferers active 70 % of the time (the mean utilisation);
* users at 1 Mbit/s drawn cell by cell (:func:`lbopt.scenarios.busy_hour.busy_hour`) until each cell's PRB
  utilisation reaches a target: Beta with mean 0.7 and standard deviation 0.15, and 1.1–1.5 for the cells within
  60 m of five transport and retail hubs (below).

    python instances/data/melbourne_busy_hour.py [--out instances/melbourne-cbd-busy-hour.yaml]

The build is seeded: the same command writes the same files (a test rebuilds it and compares).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from lbopt.instance import load_instance, save_instance
from lbopt.radio.geometry import project_lonlat
from lbopt.scenarios.busy_hour import busy_hour, realised, sectorise

HERE = Path(__file__).resolve().parent
#: the centre melbourne-cbd.yaml's positions are projected about (its description)
ORIGIN = (-37.814602, 144.963246)
#: busy places of the CBD (latitude, longitude; OpenStreetMap)
HUBS = {
    "Flinders Street Station": (-37.8183, 144.9671),
    "Southern Cross Station": (-37.8184, 144.9525),
    "Melbourne Central": (-37.8102, 144.9628),
    "Bourke Street Mall": (-37.8136, 144.9647),
    "Federation Square": (-37.8180, 144.9691),
}
MEAN, STD, HOT, HOT_RADIUS_M = 0.7, 0.15, (1.1, 1.5), 60.0
SEED = 7


def build():
    base = load_instance(HERE.parent / "melbourne-cbd.yaml")
    layout = sectorise(base.with_tables(users=None))
    layout.cells["n_prb"] = np.where(layout.cells["tier"] == "macro", 100, 50)
    radio = base.radio.model_copy(update={"shadowing_std_db": 6.0, "interference_load": MEAN})
    layout = layout.with_tables(radio=radio, seed=SEED)
    hubs = np.array([project_lonlat(np.array([la]), np.array([lo]), ORIGIN)[0] for la, lo in HUBS.values()])
    inst, cells = busy_hour(
        layout,
        mean_utilisation=MEAN,
        std_utilisation=STD,
        hotspots_xy=hubs,
        hotspot_radius_m=HOT_RADIUS_M,
        hotspot_utilisation=HOT,
        seed=SEED,
    )
    description = (
        f"A busy hour on Optus's 125 CBD sites (melbourne-cbd.yaml's layout): {len(inst.cells)} cells — 104 macro "
        "sites as three sectors (azimuths 0/120/240, assumed: the register lists none) on 20 MHz (100 PRBs), 21 "
        "micro sites omni on 10 MHz (50 PRBs); shadowing 6 dB, interferers 70 % active. "
        f"{len(inst.users)} users at 1 Mbit/s drawn cell by cell until each cell's PRB utilisation reaches an assumed "
        f"target (Beta, mean {MEAN}, sd {STD}; {HOT[0]}-{HOT[1]} within {HOT_RADIUS_M:g} m of "
        + ", ".join(HUBS)
        + f"): {realised(cells)} (too small a service area). Users on their strongest cell. Targets are assumptions, "
        "not counters."
    )
    return inst.with_tables(name="melbourne-cbd-busy-hour", description=description), cells


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(HERE.parent / "melbourne-cbd-busy-hour.yaml"))
    args = ap.parse_args()
    inst, _ = build()
    save_instance(inst, Path(args.out), tables="csv")
    print(inst.description)


if __name__ == "__main__":
    main()
