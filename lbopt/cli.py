"""The ``lbopt`` command line.

Only click is imported at start-up; every verb imports what it needs, so ``lbopt --help`` stays fast and never
loads Pyomo or cvxpy. Bad input ends with one message naming the file, the field and the row, exit status 2,
and nothing written.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import click

EXIT_BAD_INPUT = 2


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    click.echo(f"lbopt: error: {message}", err=True)
    sys.exit(code)


@contextmanager
def _user_errors():
    """An :class:`lbopt.LbOptError` becomes one clear line and exit status 2; anything else is a bug in lbopt and
    keeps its traceback, with a line asking to report it."""
    from lbopt.errors import LbOptError

    try:
        yield
    except LbOptError as exc:
        _fail(str(exc))
    except BrokenPipeError:  # the reader went away (``lbopt check FILE | head``): not an error of lbopt's
        sys.stderr.close()
        os._exit(0)
    except Exception:
        click.echo(
            "lbopt: internal error: this is a bug in lbopt, not in your input; please report it with the command "
            "line and the traceback below",
            err=True,
        )
        raise


@contextmanager
def _progress(total: int, label: str):
    """A progress bar on a terminal, nothing otherwise; yields an ``advance(n)`` callback."""
    if not sys.stderr.isatty() or total <= 0:
        yield None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def _load(path: str):
    from lbopt.instance import load_instance

    root = click.get_current_context().find_root()
    return load_instance(path, allow_outside_tables=bool(root.params.get("allow_outside_tables")))


def _out(out_dir: str | None, default: str, instance=None) -> Path:
    """The output folder, checked before any work (:func:`lbopt.output.check_out`)."""
    from lbopt.output import check_out

    return check_out(out_dir or default, instance.files if instance is not None else ())


def _integers(value: str | None, flag: str) -> str | None:
    """A click callback: ``value`` must be comma-separated positive integers."""
    if value is not None and not all(p.strip().isdigit() for p in value.split(",")):
        raise click.BadParameter(f"expected comma-separated integers, got '{value}'", param_hint=flag)
    return value


def _method_options() -> list[click.Option]:
    """One flag per parameter of the registered methods, generated from their parameter models."""
    from lbopt.methods import all_params

    options = []
    for name, (info, methods) in all_params().items():
        unit = f" [{info.unit}]" if info.unit else ""
        rng = f"; range {info.range}" if info.range and not info.choices else ""
        text = f"{info.description}{unit}{rng} (methods: {', '.join(methods)})"
        if info.kind == "bool":
            decl = f"{info.flag}/--no-{name.replace('_', '-')}"
            options.append(click.Option([decl, name], default=None, help=text))
        elif info.choices:
            options.append(click.Option([info.flag, name], type=click.Choice(info.choices), default=None, help=text))
        else:
            kind = {"float": float, "int": int}.get(info.kind, str)
            options.append(click.Option([info.flag, name], type=kind, default=None, help=text))
    return options


_LEVEL_HELP = (
    "level of the evaluation of user-level loads: cell, or group (a macro cell with its picocells); default: group "
    "when picocells have parents, else cell"
)


class _MethodCommand(click.Command):
    """A verb that takes every method's parameters as flags; the chosen method's model validates them."""

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        params = super().get_params(ctx)
        return [*params[:-1], *_method_options(), params[-1]]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lbopt")
@click.option(
    "--allow-outside-tables",
    is_flag=True,
    default=False,
    help="read side tables an instance names outside its own folder (refused by default)",
)
def main(allow_outside_tables: bool) -> None:
    """lbopt: load balancing in cellular networks — solve instances, compare methods, check stability, report."""


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
def check(file: str) -> None:
    """Validate an instance; print its size and which methods can run on it."""
    with _user_errors():
        instance = _load(file)
        from lbopt.methods import METHODS, missing_requirements

        s = instance.summary()
        tiers = ", ".join(f"{n} {t}" for t, n in s["tiers"].items()) or "no tiers given"
        click.echo(f"{file}: instance '{s['name']}' is valid (format 1)")
        click.echo(
            f"  cells {s['cells']} ({tiers}); links {s['links']}; users {s['users']}; "
            f"locations {s['locations']}; rates {s['rates']}; mr records {s['mr']}"
        )
        click.echo("  methods:")
        for name, spec in METHODS.items():
            missing = missing_requirements(instance, name)
            state = "ready" if not missing else "needs " + ", ".join(missing)
            click.echo(f"    {name:<10} {state}  — {spec.summary}")


@main.command("methods")
@click.option("--family", default=None, help="only the methods of this family")
def methods_(family: str | None) -> None:
    """Every method: family, summary, parameters (name, unit, default, range) and engines."""
    with _user_errors():
        from lbopt.errors import UnknownMethod
        from lbopt.methods import FAMILIES, METHODS, param_info

        if family is not None and family not in FAMILIES:
            raise UnknownMethod(f"--family: unknown family '{family}'; available: {', '.join(FAMILIES)}")
        for fam in FAMILIES.values():
            if family not in (None, fam.name):
                continue
            click.echo(f"{fam.name}: {fam.summary}")
            for spec in (s for s in METHODS.values() if s.family == fam.name):
                click.echo(f"  {spec.name}: {spec.summary}")
                if spec.engines:
                    click.echo(f"    engines: {', '.join(spec.engines)}")
                for p in param_info(spec.params):
                    unit = f" [{p.unit}]" if p.unit else ""
                    rng = f", {p.range}" if p.range else ""
                    click.echo(f"    {p.flag}{unit} = {p.default!r}{rng}: {p.description}")


#: evaluation numbers the one-line summary of ``solve`` shows, when the evaluation has them
_SUMMARY_KEYS = (
    "ldi_before",
    "ldi_after",
    "max_load_after",
    "busy_std_before",
    "busy_std_after",
    "coverage_after",
    "psi",
    "ongrid_power_w",
)


def _summary_line(method: str, result) -> str:
    """Status, the evaluation's headline numbers (measured alike for every method) and, for a certified
    reference, its bound and gap."""
    ev = result.evaluation or {}
    line = f"{method}: status {result.status.value}"
    if ev.get("level"):
        line += f" ({ev['level']} level)"
    for key in _SUMMARY_KEYS:
        if isinstance(ev.get(key), (int, float)):
            line += f", {key} {ev[key]:.4f}"
    if ev.get("outage_users"):
        line += f", outage_users {ev['outage_users']} ({ev['outage_demand_bps'] / 1e6:.4g} Mbit/s not served)"
    if result.solver.bound is not None:
        line += f", bound {result.solver.bound:.6g}, gap {result.solver.gap:.3g}"
    return line


@main.command(cls=_MethodCommand)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--method", "-m", required=True, help="method name (see `lbopt methods`)")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None, help="output directory")
@click.option("--evaluation-level", type=click.Choice(["cell", "group"]), default=None, help=_LEVEL_HELP)
def solve(file: str, method: str, out_dir: str | None, evaluation_level: str | None, **params) -> None:
    """Solve an instance with one method; write result.json and CSV tables."""
    with _user_errors():
        from lbopt.methods import get_method
        from lbopt.methods import solve as run
        from lbopt.result import write_result

        spec = get_method(method)
        instance = _load(file)
        out = _out(out_dir, f"{Path(file).stem}-{method}", instance)
        n = len(instance.users) if spec.progress == "users" and instance.users is not None else 0
        with _progress(n, f"{method}: users") as advance:
            result = run(instance, method, progress=advance, evaluation_level=evaluation_level, **params)
        path = write_result(result, out)
    click.echo(_summary_line(method, result))
    click.echo(f"wrote {path}")


@main.command(cls=_MethodCommand)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--methods", required=True, help="comma-separated method names, e.g. oslb,mlb,chain,none")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None, help="output directory")
@click.option("--evaluation-level", type=click.Choice(["cell", "group"]), default=None, help=_LEVEL_HELP)
@click.option(
    "--reference",
    default=None,
    help="certified references to measure gaps against without a row of their own, e.g. ua-opt",
)
def compare(
    file: str, methods: str, out_dir: str | None, evaluation_level: str | None, reference: str | None, **params
) -> None:
    """Run several methods on one instance; print and write the comparison table (with every method's gap to a
    certified bound when ua-opt is among the methods or the references)."""
    with _user_errors():
        from lbopt.comparison import compare as run_compare
        from lbopt.methods import get_method
        from lbopt.result import write_result

        names = [m.strip() for m in methods.split(",") if m.strip()]
        refs = [m.strip() for m in (reference or "").split(",") if m.strip()]
        for name in names + refs:
            get_method(name)
        instance = _load(file)
        out = _out(out_dir, f"{Path(file).stem}-compare", instance)
        with _progress(len(names) + len(refs), "compare: methods") as advance:
            summary = run_compare(
                instance, names, progress=advance, evaluation_level=evaluation_level, references=refs, **params
            )
        path = write_result(summary, out)
    table = summary.tables["comparison"]
    with pd_options():
        click.echo(table.drop(columns=["time_s"]).to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    click.echo(f"wrote {path}")


@main.command()
@click.argument("paper", type=click.Choice(["oslb", "vgala", "zou", "breathing"]))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None, help="output directory")
@click.option("--seeds", type=click.IntRange(min=1), default=20, show_default=True, help="seeds (drops) per point")
@click.option(
    "--study-seed",
    type=click.IntRange(min=0),
    default=2014,
    show_default=True,
    help="seed every case seed derives from",
)
@click.option(
    "--workers", type=click.IntRange(min=1), default=None, help="local worker processes (default: one per core)"
)
@click.option("--scheduler", default=None, help="Dask scheduler address (runs the cases on that cluster)")
@click.option(
    "--points",
    default=None,
    callback=lambda ctx, param, value: _integers(value, "--points"),
    help="comma-separated busy-cell user counts (oslb; default 10..40 by 5)",
)
@click.option(
    "--arrival-rate",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="flows per second over the area (vgala; default 200, the paper's number read per second)",
)
@click.option(
    "--user-drop",
    type=click.Choice(["uniform", "hotspots"]),
    default=None,
    help="zou: users uniform as the paper's Fig. 4 (default), or 15 %% in hotspots at the overloaded BSs (ours)",
)
def reproduce(
    paper: str,
    out_dir: str | None,
    seeds: int,
    study_seed: int,
    workers: int | None,
    scheduler: str | None,
    points: str | None,
    arrival_rate: float | None,
    user_drop: str | None,
) -> None:
    """Rerun a paper's experiment and report it beside the paper's numbers and claims."""
    with _user_errors():
        from lbopt.experiments.reproduce import plan
        from lbopt.experiments.reproduce import reproduce as run_study
        from lbopt.result import write_result

        out = _out(out_dir, f"reproduce-{paper}")
        busy = tuple(int(p) for p in points.split(",")) if points else None
        options = {"points": busy, "arrival_rate": arrival_rate, "user_drop": user_drop}
        cases = plan(paper, seeds, study_seed, **options)
        with _progress(len(cases), f"reproduce {paper}") as advance:
            result = run_study(paper, cases, seeds, study_seed, workers, scheduler, advance, options)
        path = write_result(result, out)
    for key, value in result.metrics.items():
        click.echo(f"{key}: {value:.4g}" if isinstance(value, float) else f"{key}: {value}")
    click.echo(f"wrote {path}")


@contextmanager
def pd_options():
    """pandas display options for tables printed on a terminal (wide, up to 20 columns)."""
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_columns", 20):
        yield


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None, help="output directory")
@click.option("--epsilon", type=float, default=None, help="discrete step to simulate (default: eps_max / 2)")
def validate(file: str, out_dir: str | None, epsilon: float | None) -> None:
    """Stability certificates and cross-checks (declarative against iterative) of the methods the instance runs."""
    with _user_errors():
        from lbopt.result import write_result
        from lbopt.validation import CHECK_GROUPS
        from lbopt.validation import validate as run_validate

        instance = _load(file)
        out = _out(out_dir, f"{Path(file).stem}-validate", instance)
        with _progress(CHECK_GROUPS, "validate: checks") as advance:
            result = run_validate(instance, progress=advance, epsilon=epsilon)
        path = write_result(result, out)
    for check in result.extra["checks"]:  # verdicts first (the library sorts them)
        agrees = {True: "cross-check agrees", False: "CROSS-CHECK DISAGREES", None: "measurement"}[check["agrees"]]
        click.echo(f"{check['verdict'] or '-':<13} {check['name']} ({agrees}): {check['numbers']}")
    click.echo(f"wrote {path}")


@main.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option(
    "--figures",
    type=click.Choice(["png", "svg", "pdf"]),
    default="png",
    show_default=True,
    help="figures inline as PNG or SVG (ids on hover), or PDF previews; svg and pdf (and png with --dpi) also "
    "write each figure to DIRECTORY/figures/ for a paper",
)
@click.option(
    "--dpi", type=click.IntRange(50, 1200), default=None, help="resolution of PNG figures (default 110; writes files)"
)
def report(directory: str, figures: str, dpi: int | None) -> None:
    """Write DIRECTORY/report.html (self-contained) from a solve, compare, validate or reproduce output."""
    with _user_errors():
        from lbopt.reporting import render_report

        path = render_report(directory, figures=figures, dpi=dpi)
    click.echo(f"report: {path.resolve()}")


@main.group()
def generate() -> None:
    """Write a scenario instance (the papers' set-ups, random layouts, real site lists)."""


def _write(instance, out: str, tables: str) -> None:
    from lbopt.errors import OutputError
    from lbopt.instance import save_instance

    try:
        path = save_instance(instance, out, tables=tables)
    except OSError as exc:
        raise OutputError(f"--out {out}: cannot write the instance: {exc.strerror or exc}") from None
    s = instance.summary()
    mr = f", {s['mr']} MR rows" if s.get("mr") else ""
    click.echo(f"wrote {path} ({s['cells']} cells, {s['users']} users, {s['locations']} locations{mr})")


#: generator flag ranges: a generator never writes what `lbopt check` refuses
_COUNT = click.IntRange(min=0)
_POSITIVE = click.FloatRange(min=0.0, min_open=True)
_SHARE = click.FloatRange(0.0, 1.0)


def _common(f: Callable) -> Callable:
    f = click.option(
        "--tables",
        type=click.Choice(["auto", "inline", "csv", "parquet"]),
        default="auto",
        help="where tables go: inline in the YAML or side files",
    )(f)
    f = click.option("--name", default=None, help="instance name")(f)
    f = click.option("--seed", type=_COUNT, default=0, show_default=True, help="seed of every random choice")(f)
    return click.option("--out", required=True, type=click.Path(dir_okay=False), help="instance file to write")(f)


@generate.command("hexgrid")
@_common
@click.option("--rings", type=click.IntRange(0, 100), default=None, help="rings around the centre (N = 3R(R+1)+1)")
@click.option(
    "--cells", "n_cells", type=click.IntRange(1, 100_000), default=None, help="number of cells (first N of the spiral)"
)
@click.option("--isd", "isd_m", type=_POSITIVE, default=500.0, show_default=True, help="inter-site distance (m)")
@click.option("--wraparound/--no-wraparound", default=False, show_default=True)
def gen_hexgrid(out, seed, name, tables, rings, n_cells, isd_m, wraparound) -> None:
    """Hexagonal macro grid with neighbour links."""
    with _user_errors():
        from lbopt.scenarios import hex_grid

        if rings is None and n_cells is None:
            rings = 2
        _write(hex_grid(rings, n_cells, isd_m, wraparound, name, seed), out, tables)


@generate.command("hetnet")
@_common
@click.option("--rings", type=click.IntRange(0, 40), default=3, show_default=True, help="macro rings (3 → 37 cells)")
@click.option("--isd", "isd_m", type=_POSITIVE, default=1000.0, show_default=True)
@click.option("--picos", type=(int, int), default=(2, 4), show_default=True, help="picocells per macro (min max)")
@click.option("--normal-users", type=_COUNT, default=10, show_default=True)
@click.option("--busy-cells", type=_COUNT, default=15, show_default=True)
@click.option("--busy-users", type=_COUNT, default=30, show_default=True)
@click.option("--pico-user-share", type=_SHARE, default=1 / 3, show_default=True)
@click.option("--demand", "demand_bps", type=_POSITIVE, default=1e6, show_default=True, help="CBR per user (bit/s)")
@click.option(
    "--pico-prb", type=click.IntRange(1, 275), default=25, show_default=True, help="PRBs per picocell (macro: 50)"
)
@click.option("--wraparound/--no-wraparound", default=True, show_default=True)
@click.option(
    "--serving",
    type=click.Choice(["none", "max-rsrp", "macro-only"]),
    default="max-rsrp",
    show_default=True,
    help="initial association written to users.serving",
)
def gen_hetnet(
    out,
    seed,
    name,
    tables,
    rings,
    isd_m,
    picos,
    normal_users,
    busy_cells,
    busy_users,
    pico_user_share,
    demand_bps,
    pico_prb,
    wraparound,
    serving,
) -> None:
    """The OSLB paper's HetNet: macro cells with 2–4 edge picocells, normal and busy cells."""
    with _user_errors():
        from lbopt.scenarios import hetnet

        inst = hetnet(
            rings=rings,
            isd_m=isd_m,
            picos=picos,
            normal_users=normal_users,
            busy_cells=busy_cells,
            busy_users=busy_users,
            pico_user_share=pico_user_share,
            demand_bps=demand_bps,
            pico_prb=pico_prb,
            wraparound=wraparound,
            serving=serving,
            seed=seed,
            name=name,
        )
        _write(inst, out, tables)


@generate.command("vgala")
@_common
@click.option("--width", "width_m", type=_POSITIVE, default=2000.0, show_default=True)
@click.option("--height", "height_m", type=_POSITIVE, default=2000.0, show_default=True)
@click.option("--macro", "n_macro", type=click.IntRange(1, 1000), default=3, show_default=True)
@click.option("--small", "n_small", type=click.IntRange(0, 1000), default=7, show_default=True)
@click.option("--poisson/--fixed", default=False, show_default=True, help="Poisson numbers of cells")
@click.option(
    "--grid", "grid_m", type=click.FloatRange(min=1.0), default=10.0, show_default=True, help="location grid step (m)"
)
@click.option("--arrival-rate", type=_POSITIVE, default=200.0, show_default=True, help="total flow arrivals per second")
@click.option("--mean-size", type=_POSITIVE, default=250e3, show_default=True, help="mean flow size (bit)")
@click.option("--hotspots", type=_COUNT, default=0, show_default=True)
@click.option(
    "--max-pathloss", type=_POSITIVE, default=150.0, show_default=True, help="uplink path-loss threshold α* (dB)"
)
def gen_vgala(
    out,
    seed,
    name,
    tables,
    width_m,
    height_m,
    n_macro,
    n_small,
    poisson,
    grid_m,
    arrival_rate,
    mean_size,
    hotspots,
    max_pathloss,
) -> None:
    """Random macro/small cells with a location grid and rates (the vGALA set-up)."""
    with _user_errors():
        from lbopt.scenarios import vgala_layout

        inst = vgala_layout(
            width_m,
            height_m,
            n_macro,
            n_small,
            poisson,
            grid_m,
            arrival_rate,
            mean_size,
            hotspots,
            max_pathloss,
            seed,
            name,
        )
        _write(inst, out, tables)


@generate.command("zou16")
@_common
@click.option("--users", type=click.IntRange(1, 1_000_000), default=200, show_default=True)
@click.option("--hotspot-share", type=_SHARE, default=0.15, show_default=True)
@click.option("--hotspot-std", type=_POSITIVE, default=250.0, show_default=True, help="hotspot radius (std, m)")
@click.option("--mean-load", type=_POSITIVE, default=None, help="initial mean load (default: the paper's for --users)")
def gen_zou16(out, seed, name, tables, users, hotspot_share, hotspot_std, mean_load) -> None:
    """The stability paper's 16 BSs, 500 m apart, with hotspots at its overloaded BSs."""
    with _user_errors():
        from lbopt.scenarios import zou16

        _write(zou16(users, hotspot_share, hotspot_std, mean_load=mean_load, seed=seed, name=name), out, tables)


@generate.command("sites")
@_common
@click.option("--sites", "sites_csv", required=True, type=click.Path(dir_okay=False), help="site list CSV (lat/lon)")
@click.option(
    "--users", "users_csv", type=click.Path(dir_okay=False), default=None, help="user positions CSV (lat/lon)"
)
@click.option(
    "--neighbours", type=click.Choice(["delaunay", "distance", "radius"]), default="delaunay", show_default=True
)
@click.option("--max-distance", type=_POSITIVE, default=400.0, show_default=True, help="for --neighbours distance (m)")
@click.option("--demand", "demand_bps", type=_POSITIVE, default=1e6, show_default=True)
@click.option("--serving/--no-serving", default=True, show_default=True, help="attach users by strongest RSRP")
@click.option("--source", default=None, help="provenance and credit text stored in the instance")
@click.option("--mcc", default=None, help="OpenCelliD export: mobile country code of the network to keep")
@click.option("--mnc", default=None, help="OpenCelliD export: mobile network code (column 'net') to keep")
@click.option("--radio", default=None, help="OpenCelliD export: radio technology to keep (GSM, UMTS, LTE, NR)")
def gen_sites(
    out,
    seed,
    name,
    tables,
    sites_csv,
    users_csv,
    neighbours,
    max_distance,
    demand_bps,
    serving,
    source,
    mcc,
    mnc,
    radio,
) -> None:
    """A real layout from a site list (and user positions); an OpenCelliD export filtered to one network."""
    with _user_errors():
        from lbopt.scenarios import from_sites, with_serving

        inst = from_sites(
            sites_csv,
            users_csv,
            neighbours,
            max_distance,
            demand_bps,
            name,
            source,
            seed,
            mcc=mcc,
            mnc=mnc,
            radio=radio,
        )
        if serving and inst.users is not None:
            inst = with_serving(inst, "max-rsrp")
        _write(inst, out, tables)


@generate.command("kpi")
@_common
@click.option("--cells", "cells_csv", required=True, type=click.Path(dir_okay=False), help="cell counters CSV")
@click.option(
    "--relations", "relations_csv", required=True, type=click.Path(dir_okay=False), help="neighbour relations CSV"
)
@click.option("--percent", is_flag=True, help="prb_utilisation is in per cent (default: a share, 0 ... 1)")
def gen_kpi(out, seed, name, tables, cells_csv, relations_csv, percent) -> None:
    """A cell-level instance from counters: PRB utilisation per cell and handover attempts per neighbour relation."""
    with _user_errors():
        from lbopt.scenarios.kpi import from_kpi

        _write(from_kpi(cells_csv, relations_csv, percent, name), out, tables)


@generate.command("drop")
@_common
@click.option("--base", required=True, type=click.Path(dir_okay=False), help="instance whose cells receive the users")
@click.option("--uniform", type=_COUNT, default=0, show_default=True, help="users uniform over the layout")
@click.option("--hotspots", type=_COUNT, default=0, show_default=True, help="number of Gaussian hotspot clusters")
@click.option("--hotspot-users", type=_COUNT, default=0, show_default=True, help="users in the hotspots")
@click.option("--hotspot-std", type=_POSITIVE, default=100.0, show_default=True, help="hotspot radius (std, m)")
@click.option("--per-cell", type=_COUNT, default=0, show_default=True, help="users in every cell's region")
@click.option("--busy", default="", help="comma-separated ids of busy cells")
@click.option("--per-busy-cell", type=_COUNT, default=0, show_default=True, help="users in each busy cell's region")
@click.option("--demand", "demand_bps", type=_POSITIVE, default=1e6, show_default=True)
@click.option("--serving/--no-serving", default=True, show_default=True, help="attach users by strongest RSRP")
def gen_drop(
    out,
    seed,
    name,
    tables,
    base,
    uniform,
    hotspots,
    hotspot_users,
    hotspot_std,
    per_cell,
    busy,
    per_busy_cell,
    demand_bps,
    serving,
) -> None:
    """Drop users on an existing layout (uniform, hotspot clusters, users per cell and per busy cell)."""
    with _user_errors():
        from lbopt.scenarios.drop import drop_on_layout

        inst = drop_on_layout(
            _load(base),
            seed=seed,
            uniform=uniform,
            hotspots=hotspots,
            hotspot_users=hotspot_users,
            hotspot_std_m=hotspot_std,
            per_cell=per_cell,
            busy=[b for b in busy.split(",") if b],
            per_busy_cell=per_busy_cell,
            demand_bps=demand_bps,
            serving=serving,
            name=name,
        )
        _write(inst, out, tables)


@generate.command("busy-hour")
@_common
@click.option("--base", required=True, type=click.Path(dir_okay=False), help="layout whose cells receive the users")
@click.option(
    "--utilisation", type=click.FloatRange(0.0, 1.0, min_open=True, max_open=True), default=0.7, show_default=True,
    help="mean PRB utilisation the cells' targets are drawn around (Beta)",
)  # fmt: skip
@click.option("--utilisation-sd", type=_POSITIVE, default=0.15, show_default=True, help="their standard deviation")
@click.option("--busy", default="", help="comma-separated ids of cells whose target is drawn from --busy-utilisation")
@click.option(
    "--busy-utilisation", type=(_POSITIVE, _POSITIVE), default=(1.1, 1.5), show_default=True,
    help="range of the busy cells' targets (above 1: overloaded)",
)  # fmt: skip
@click.option("--demand", "demand_bps", type=_POSITIVE, default=1e6, show_default=True)
def gen_busy_hour(out, seed, name, tables, base, utilisation, utilisation_sd, busy, busy_utilisation, demand_bps):
    """Users on a layout drawn cell by cell until each cell's PRB utilisation reaches an assumed target: a busy
    hour with plausible loads on a real site list (the instance's description says what was assumed and realised).
    """
    with _user_errors():
        from lbopt.scenarios.busy_hour import busy_hour_instance

        inst = busy_hour_instance(
            _load(base),
            mean_utilisation=utilisation,
            std_utilisation=utilisation_sd,
            busy=[b for b in busy.split(",") if b],
            busy_utilisation=busy_utilisation,
            demand_bps=demand_bps,
            seed=seed,
            name=name,
        )
        _write(inst, out, tables)
        click.echo(inst.description)


def _users_peak(default: int):
    """``--users-peak`` of the MR-day generators."""
    return click.option(
        "--users-peak",
        type=click.IntRange(1, 10_000_000),
        default=default,
        show_default=True,
        help="users at the busiest hour",
    )


@generate.command("mr")
@_common
@click.option("--base", required=True, type=click.Path(dir_okay=False), help="instance whose cells are the antennas")
@_users_peak(2000)
@click.option("--top-k", type=click.IntRange(1, 64), default=4, show_default=True, help="antennas per record")
@click.option(
    "--noise-db", type=click.FloatRange(min=0.0), default=2.0, show_default=True, help="measurement noise (std, dB)"
)
def gen_mr(out, seed, name, tables, base, users_peak, top_k, noise_db) -> None:
    """A synthetic 24-hour MR day (tidal pattern) over an existing layout, with CPICH powers and bounds."""
    with _user_errors():
        from lbopt.scenarios.mr_day import with_mr_day

        inst = _load(base)
        inst = with_mr_day(inst, users_peak=users_peak, top_k=top_k, noise_db=noise_db, seed=seed)
        _write(inst.with_tables(name=name or inst.name, seed=seed), out, tables)


@generate.command("breathing")
@_common
@click.option("--antennas", type=click.IntRange(2, 100_000), default=60, show_default=True)
@click.option("--isd", "isd_m", type=_POSITIVE, default=800.0, show_default=True, help="inter-site distance (m)")
@_users_peak(6000)
def gen_breathing(out, seed, name, tables, antennas, isd_m, users_peak) -> None:
    """An area of macro antennas (jittered hexagonal layout) with a synthetic MR day (the Breathing set-up)."""
    with _user_errors():
        from lbopt.scenarios.mr_day import breathing_area

        _write(breathing_area(antennas, isd_m, users_peak=users_peak, seed=seed, name=name), out, tables)


if __name__ == "__main__":  # pragma: no cover
    main()
