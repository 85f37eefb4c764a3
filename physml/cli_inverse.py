"""``physml simulate scattering`` and ``physml simulate heat``: datasets for the inverse problems.

Registered on :data:`physml.cli.simulate_app` by one import line in ``physml/cli.py``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from .cli import simulate_app

__all__ = ["simulate_scattering", "simulate_heat"]


def _pair(text: str, name: str) -> tuple[float, float]:
    from .errors import ParameterError

    try:
        a, b = (float(v) for v in text.split(","))
    except ValueError:
        raise ParameterError.invalid(name, text, "two numbers 'low,high'") from None
    return a, b


@simulate_app.command("scattering")
def simulate_scattering(
    output: Path = typer.Option(..., "-o", "--output", help="HDF5 file to write."),
    n: int = typer.Option(1000, "--n-samples", help="Media drawn from the prior box."),
    n_frequencies: int = typer.Option(24, help="Frequencies evenly spaced over the band (>= 2)."),
    band: str = typer.Option("500,5000", help="Frequency band 'low,high' in Hz."),
    noise: float = typer.Option(0.02, help="Std of the Gaussian noise on Re R and Im R."),
    seed: int = typer.Option(0, help="Random seed."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output."),
) -> None:
    """Acoustic reflection of a sediment layer on rock under water (transfer matrix), with noise."""
    from ._io import check_output
    from .sim import scattering

    params = scattering.ScatteringParams(n_samples=n, n_frequencies=n_frequencies,
                                         frequency_range_Hz=_pair(band, "band"), noise_std=noise)
    check_output(output, force=force)
    scattering.scattering_dataset(params, seed=seed).save(output, force=force)
    typer.echo(f"wrote {n} reflection spectra ({n_frequencies} frequencies) to {output}")


@simulate_app.command("heat")
def simulate_heat(
    output: Path = typer.Option(..., "-o", "--output", help="HDF5 file to write."),
    n: int = typer.Option(1000, "--n-samples", help="Rods with log-uniform conductivities."),
    conductivity: str = typer.Option("10,100", help="Conductivity range 'low,high' in W/(m K)."),
    sensors: str = typer.Option("0.15,0.3,0.5,0.75", help="Sensor positions as fractions of the length."),
    n_times: int = typer.Option(12, help="Readings per sensor, evenly spaced up to --t-max."),
    t_max: float = typer.Option(120.0, help="Last reading (s)."),
    noise: float = typer.Option(0.5, help="Sensor noise std (K)."),
    seed: int = typer.Option(0, help="Random seed."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output."),
) -> None:
    """Transient conduction in a rod (Crank-Nicolson) read by a few noisy sensors."""
    from ._io import check_output
    from .errors import ParameterError
    from .sim import heat_rod as heat

    try:
        positions = tuple(float(v) for v in sensors.split(","))
    except ValueError:
        raise ParameterError.invalid("sensor_positions", sensors, "comma-separated fractions in (0, 1)") from None
    params = heat.HeatRodParams(n_samples=n, conductivity_range=_pair(conductivity, "conductivity_range"),
                                sensor_positions=positions, n_times=n_times, t_max_s=t_max, noise_std_K=noise)
    check_output(output, force=force)
    heat.heat_dataset(params, seed=seed).save(output, force=force)
    typer.echo(f"wrote {n} rods x {len(positions)} sensors x {n_times} times to {output}")
