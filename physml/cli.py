"""The ``physml`` command: a thin layer over the library.

Every :class:`~physml.errors.PhysmlError` and every usage error becomes one line
on stderr and exit code 2, never a traceback. Also runnable as ``python -m physml``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Optional

import typer
from typer.core import TyperGroup

from .errors import ParameterError, PhysmlError, UnknownNameError

__all__ = ["app", "main"]


class _NamedGroup(TyperGroup):
    """A command group whose unknown sub-command is a PhysmlError naming the known ones."""

    kind = "command"

    def resolve_command(self, ctx, args: list[str]):
        name = args[0] if args else None
        if name is not None and not name.startswith("-") and self.get_command(ctx, name) is None:
            raise UnknownNameError(self.kind, name, self.list_commands(ctx))
        return super().resolve_command(ctx, args)


class _SystemGroup(_NamedGroup):
    kind = "system"


app = typer.Typer(cls=_NamedGroup, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="physml: machine learning for computational physics, with the physics checked.")
simulate_app = typer.Typer(cls=_SystemGroup, no_args_is_help=True, help="Run a validated simulator; write an HDF5 dataset.")
study_app = typer.Typer(cls=_NamedGroup, no_args_is_help=True, help="List and run case studies.")
runs_app = typer.Typer(cls=_NamedGroup, no_args_is_help=True, help="The run registry.")
dataset_app = typer.Typer(cls=_NamedGroup, no_args_is_help=True, help="Inspect datasets.")
bench_app = typer.Typer(cls=_NamedGroup, no_args_is_help=True, help="Performance benchmarks (ratios measured in the same run).")
app.add_typer(simulate_app, name="simulate")
app.add_typer(study_app, name="study")
app.add_typer(runs_app, name="runs")
app.add_typer(dataset_app, name="dataset")
app.add_typer(bench_app, name="bench")

_RUNS_DIR = typer.Option(Path("runs"), "--runs-dir", "--out", help="Folder of run directories and the registry.")


# ---------------------------------------------------------------------------- simulate
@simulate_app.command("ising")
def simulate_ising(
    output: Path = typer.Option(..., "-o", "--output", help="HDF5 file to write."),
    L: int = typer.Option(32, "--L", help="Linear lattice size (L x L spins), even, >= 4."),
    temperatures: str = typer.Option("1.5,2.269,3.0", help="Comma list '2.0,2.5' or range 'start:stop:count'."),
    samples: int = typer.Option(100, help="Configurations per temperature."),
    h: float = typer.Option(0.0, "--h", help="External field (units of J)."),
    algorithm: str = typer.Option("auto", help="auto | metropolis | wolff."),
    lattice: str = typer.Option("square", help="square | triangular (Wolff only, h = 0)."),
    equilibration: Optional[int] = typer.Option(None, help="Equilibration sweeps (default: simulator's)."),
    decorrelation: Optional[int] = typer.Option(None, help="Sweeps between samples (default: simulator's)."),
    seed: int = typer.Option(0, help="Random seed."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """2D Ising model (square or triangular lattice, J = k_B = 1): Metropolis (Numba) and Wolff updates."""
    from ._io import check_output
    from .sim import ising

    kwargs = dict(L=L, temperatures=ising.parse_temperatures(temperatures), samples=samples, h=h, algorithm=algorithm,
                  lattice=lattice)
    if equilibration is not None:
        kwargs["equilibration_sweeps"] = equilibration
    if decorrelation is not None:
        kwargs["decorrelation_sweeps"] = decorrelation
    params = ising.IsingParams(**kwargs)
    check_output(output, force=force)
    dataset = ising.simulate(params, seed=seed, progress=not quiet)
    dataset.save(output, force=force)
    typer.echo(f"wrote {len(dataset)} configurations ({L}x{L}) to {output}")


@simulate_app.command("water-phases")
def simulate_water_phases(
    output: Path = typer.Option(..., "-o", "--output", help="HDF5 file to write."),
    n: int = typer.Option(5000, "--n-samples", help="Number of (T, p) points (T uniform 200-1000 K, p log-uniform 1e-6-100 MPa)."),
    seed: int = typer.Option(0, help="Random seed."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output."),
) -> None:
    """Phase of water (ice, liquid, vapour, supercritical) at random states, labelled by IAPWS."""
    from ._io import check_output
    from .sim import water

    params = water.WaterPhaseParams(n_samples=n)
    check_output(output, force=force)
    water.phase_dataset(params, seed=seed).save(output, force=force)
    typer.echo(f"wrote {n} labelled states to {output}")


@simulate_app.command("pipe-flow")
def simulate_pipe_flow(
    output: Path = typer.Option(..., "-o", "--output", help="HDF5 file to write."),
    n: int = typer.Option(2000, "--n-samples", help="Number of pipe-flow states."),
    noise: float = typer.Option(0.02, help="Std of ln(measured / true pressure drop)."),
    seed: int = typer.Option(0, help="Random seed."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output."),
) -> None:
    """Darcy-Weisbach pressure drop with the Colebrook friction factor, plus a decoy input."""
    from ._io import check_output
    from .sim import pipe_flow

    params = pipe_flow.PipeFlowParams(n_samples=n, noise_sigma=noise)
    check_output(output, force=force)
    pipe_flow.pipe_flow_dataset(params, seed=seed).save(output, force=force)
    typer.echo(f"wrote {n} pipe-flow states to {output}")


@simulate_app.command("schrodinger")
def simulate_schrodinger(
    output: Path = typer.Option(..., "-o", "--output", help="HDF5 file to write."),
    family: str = typer.Option("mixed", help="harmonic | infinite_well | double_inverted_gaussian | random | mixed."),
    n_potentials: int = typer.Option(100, help="Potentials to draw."),
    n_points: int = typer.Option(64, help="Interior grid points per axis (>= 16)."),
    extent: float = typer.Option(20.0, help="Half-width of the box (bohr)."),
    n_states: int = typer.Option(1, help="Lowest eigenvalues kept per potential."),
    seed: int = typer.Option(0, help="Random seed."),
    potential: Optional[Path] = typer.Option(None, "--potential", help="Solve this potential instead: a .npy "
                                             "array of interior grid values, 1D or 2D, on (-extent, extent)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """2D potentials (Mills, Spanner & Tamblyn families) with their lowest energies (hbar = m = 1),
    or the lowest eigenpairs of your own potential (--potential)."""
    from ._io import check_output
    from .sim import schrodinger

    if potential is not None:
        V = _load_npy("potential", potential)
        ds = schrodinger.spectrum_dataset(V, extent, n_states)
        check_output(output, force=force)
        ds.save(output, force=force)
        levels = ", ".join(f"{e:.8g}" for e in ds["energies"][0])
        typer.echo(f"wrote the lowest {n_states} eigenpairs of {potential} to {output}: E = {levels} hartree")
        return
    params = schrodinger.GroundStateParams(family=family, n_potentials=n_potentials, n_points=n_points,
                                           extent=extent, n_states=n_states)
    check_output(output, force=force)
    schrodinger.ground_state_dataset(params, seed=seed, progress=not quiet).save(output, force=force)
    typer.echo(f"wrote {n_potentials} potentials with their lowest {n_states} energies to {output}")


def _load_npy(name: str, path: Path):
    import numpy as np

    from .errors import DataError

    if path.suffix != ".npy":
        raise ParameterError.invalid(name, str(path), "a NumPy .npy file")
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read {path} as a .npy array: {exc}") from None


@simulate_app.command("quantum-dynamics")
def simulate_quantum_dynamics(
    output: Path = typer.Option(..., "-o", "--output", help="HDF5 file to write."),
    system: str = typer.Option("tfim", help="tfim (transverse-field Ising chain) | rabi (driven two-level system)."),
    n_spins: int = typer.Option(8, help="tfim: chain length, 2-12."),
    J: float = typer.Option(1.0, "--J", help="tfim: coupling."),
    h: float = typer.Option(0.5, "--h", help="tfim: transverse field."),
    boundary: str = typer.Option("open", help="tfim: open | periodic."),
    delta: float = typer.Option(1.0, "--delta", help="rabi: level splitting."),
    omega_drive: float = typer.Option(1.0, "--omega-drive", help="rabi: drive frequency."),
    rabi: float = typer.Option(0.2, "--rabi", help="rabi: drive amplitude Omega."),
    t_max: float = typer.Option(10.0, help="Final time (hbar/E)."),
    n_times: int = typer.Option(101, help="Time points including t = 0."),
    n_trajectories: int = typer.Option(10, help="Random initial states."),
    seed: int = typer.Option(0, help="Random seed."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output."),
) -> None:
    """Exact time evolution of small quantum systems; time series of observables."""
    from ._io import check_output
    from .errors import ParameterError
    from .sim import quantum_dynamics as qd

    if system == "tfim":
        params = qd.TFIMParams(n_spins=n_spins, J=J, h=h, t_max=t_max, n_times=n_times, boundary=boundary,
                               n_trajectories=n_trajectories)
        make = qd.tfim_trajectories
    elif system == "rabi":
        params = qd.RabiParams(Delta=delta, Omega=rabi, omega=omega_drive, t_max=t_max, n_times=n_times,
                               n_trajectories=n_trajectories, initial_state="random")
        make = qd.rabi_trajectories
    else:
        raise ParameterError.invalid("system", system, "'tfim' or 'rabi'")
    check_output(output, force=force)
    make(params, seed=seed).save(output, force=force)
    typer.echo(f"wrote {n_trajectories} {system} trajectories to {output}")


# ---------------------------------------------------------------------------- study
@study_app.command("list")
def study_list() -> None:
    """The registered studies."""
    from .studies import list_studies

    for info in list_studies():
        typer.echo(f"{info.name:<20} {info.description}")


@study_app.command("run")
def study_run(
    name: str = typer.Argument(..., help="Study name (see `physml study list`)."),
    quick: bool = typer.Option(False, "--quick", help="Quick preset (about a minute on a laptop)."),
    seed: int = typer.Option(0, help="Random seed."),
    runs_dir: Path = _RUNS_DIR,
    device: str = typer.Option("auto", help="auto | cpu | cuda."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress output."),
) -> None:
    """Run a study; print its run directory as the last line."""
    from .device import resolve_device
    from .runs import write_run
    from .studies import get_study, run_study

    get_study(name)  # unknown names fail before any work
    resolve_device(device)
    start = time.perf_counter()
    result = run_study(name, quick=quick, seed=seed, progress=not quiet, device=device)
    record = write_run(result, runs_dir, wall_seconds=time.perf_counter() - start)
    if not quiet:
        for audit in result.audits:
            typer.echo(f"audit  {audit.summary()}")
        _echo_metrics(result.metrics)
    typer.echo(str(record.path))


def _echo_metrics(metrics: dict, indent: str = "") -> None:
    for key in sorted(metrics):
        value = metrics[key]
        typer.echo(f"{indent}{key:<40} " + (f"{value:.6g}" if isinstance(value, (int, float)) else str(value)))


# ---------------------------------------------------------------------------- train / predict
@app.command("train")
def train(
    data: Path = typer.Argument(..., help="CSV, Parquet or physml HDF5 file."),
    target: str = typer.Option(..., "--target", help="Column to predict."),
    features: Optional[str] = typer.Option(None, help="Comma list of feature columns (default: all others)."),
    task: Optional[str] = typer.Option(None, help="regression | classification (default: inferred)."),
    models: str = typer.Option("all", help="'all' or a comma list of zoo names (ridge,gbt,mlp,...)."),
    cv: int = typer.Option(5, help="Cross-validation folds."),
    tune: int = typer.Option(0, "--tune", help="Optuna trials per model (0: defaults)."),
    test_fraction: float = typer.Option(0.2, help="Share held out for the test set."),
    learning_curve: bool = typer.Option(False, "--learning-curve", help="Add the best model's learning curve."),
    seed: int = typer.Option(0, help="Random seed."),
    runs_dir: Path = _RUNS_DIR,
    device: str = typer.Option("cpu", help="auto | cpu | cuda (for the MLP)."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress output."),
) -> None:
    """Compare every model family on a table; write a run; print its directory last."""
    from .device import resolve_device
    from .result import StudyResult
    from .runs import write_run
    from .tabular_io import load_table, select_xy
    from .workflows import add_to_result, compare, parse_models

    feature_list = [f.strip() for f in features.split(",") if f.strip()] if features else None
    X, y, names, task = select_xy(load_table(data), target, feature_list, task)
    model_list = parse_models(models, task)
    resolve_device(device)
    start = time.perf_counter()
    comp = compare(X, y, names, task=task, target=target, models=model_list, cv=cv, n_trials=tune,
                   test_fraction=test_fraction, seed=seed, device=device, progress=not quiet,
                   learning_curve_sizes=(0.1, 0.25, 0.5, 1.0) if learning_curve else ())
    config = {"data": str(data), "target": target, "features": names, "task": task, "models": model_list, "cv": cv,
              "tune": tune, "test_fraction": test_fraction, "seed": seed, "device": device, "n_rows": len(y)}
    result = StudyResult(study="train", config=config, title=f"physml train: {target} from {data.name}")
    add_to_result(comp, result, seed=seed)
    record = write_run(result, runs_dir, wall_seconds=time.perf_counter() - start)
    if not quiet:
        for s in comp.scores:
            typer.echo(f"{s.name:<12} CV {comp.score_name} {s.cv_mean:.5f} ± {s.cv_std:.5f}")
        typer.echo(f"best: {comp.best.name}")
    typer.echo(str(record.path))


@app.command("predict")
def predict(
    model: str = typer.Argument(..., help="A saved model folder, a run directory or a run id."),
    data: Path = typer.Argument(..., help="CSV, Parquet or physml HDF5 file with the model's feature columns."),
    output: Path = typer.Option(..., "-o", "--output", help="CSV to write: input columns + prediction."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output."),
    runs_dir: Path = _RUNS_DIR,
) -> None:
    """Apply a saved model (or a run's best model) to new data."""
    from ._io import atomic_output, check_output
    from .tabular_io import load_table
    from .workflows import find_saved_model, predict_table

    saved = find_saved_model(model, runs_dir)
    table = predict_table(saved, load_table(data))
    check_output(output, force=force)
    with atomic_output(output, force=force) as tmp:
        table.to_csv(tmp, index=False)
    typer.echo(f"wrote {len(table)} predictions to {output}")


# ---------------------------------------------------------------------------- runs
@runs_app.command("list")
def runs_list(runs_dir: Path = _RUNS_DIR) -> None:
    """One line per registered run."""
    from .runs import Registry

    for r in Registry(runs_dir).list():
        typer.echo(f"{r.id}  {r.created}  {r.study:<16} {r.status:<9} {r.path}")


@runs_app.command("show")
def runs_show(run_id: str = typer.Argument(..., help="Run id, id prefix or directory name."),
              runs_dir: Path = _RUNS_DIR) -> None:
    """A run's path, configuration and metrics."""
    from .runs import Registry

    r = Registry(runs_dir).get(run_id)
    typer.echo(f"id       {r.id}\nstudy    {r.study}\ncreated  {r.created}\nstatus   {r.status}\npath     {r.path}")
    typer.echo("config   " + json.dumps(r.config, sort_keys=True))
    _echo_metrics(r.metrics, indent="  ")


# ---------------------------------------------------------------------------- dataset
@dataset_app.command("info")
def dataset_info(path: Path = typer.Argument(..., help="A physml HDF5 dataset.")) -> None:
    """Arrays, shapes, units and provenance of a dataset file."""
    from .data import Dataset

    typer.echo(f"{path}: " + Dataset.load(path).describe())


# ---------------------------------------------------------------------------- bench
@bench_app.command("ising")
def bench_ising(as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout."),
                L: int = typer.Option(512, "--L", help="Lattice size.")) -> None:
    """Metropolis spin-flip attempts per ns (1 thread, all threads) vs a NumPy reference."""
    from .bench import ising as bench

    result = bench.run(L=L)
    typer.echo(json.dumps(result) if as_json else bench.format_report(result))


from . import cli_transfer  # noqa: E402,F401  (registers `physml transfer ...`)
from . import cli_rl as _cli_rl  # noqa: E402,F401  (registers `simulate md` and `rl`)
from . import cli_inverse as _cli_inverse  # noqa: E402,F401  (registers simulate scattering|heat)
from . import cli_fluids as _cli_fluids  # noqa: E402,F401  (registers simulate burgers|navier-stokes)
from . import cli_pinn as _cli_pinn  # noqa: E402,F401  (registers `bench pinn`)


# ---------------------------------------------------------------------------- entry point
def main(argv: list[str] | None = None) -> None:
    try:
        rv = app(args=argv, prog_name="physml", standalone_mode=False)
    except PhysmlError as exc:
        _fail(str(exc))
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        _fail("aborted")
    except typer.TyperException as exc:  # usage errors: bad option values, missing arguments
        _fail(exc.format_message())
    sys.exit(rv if isinstance(rv, int) else 0)


def _fail(message: str) -> None:
    sys.stderr.write("physml: error: " + " ".join(message.split()) + "\n")
    sys.exit(2)
