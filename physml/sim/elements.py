"""Properties of the chemical elements as a supervised-learning table (from ``mendeleev``).

Measured data, not a simulation: the database that ships with the
``mendeleev`` package (no network). Descriptors (units in brackets):

``atomic_number``, ``atomic_weight`` [u], ``period``, ``group_id`` (IUPAC
1-18), ``block_code`` (s = 0, p = 1, d = 2, f = 3), ``covalent_radius_pm``
[pm] (single-bond radius, Pyykko 2009), ``electronegativity_pauling``,
``ionization_energy_eV`` [eV] (first, NIST ASD), ``valence_electrons``
(mendeleev's count: ns + np electrons, plus (n-1)d for the d block and
(n-1)d + (n-2)f for the f block), ``atomic_radius_pm`` [pm] (Slater 1964),
``electron_affinity_eV`` [eV], ``dipole_polarizability_bohr3`` [bohr^3].

Targets (CRC Handbook values): ``melting_point`` [K, at 101.325 kPa],
``boiling_point`` [K] and ``density`` [g/cm^3, near room temperature; gases
are ideal-gas densities at 25 degC and 1 atm, about 1e-4 to 1e-2, so a
density model should work on log10] and ``thermal_conductivity`` [W/(m K),
at 25 degC; from 0.005 (Br, Rn-like gases) to 429 (Ag): five decades, so
again a model should work on log10].

Choices, each recorded in the data set's attributes:

* f-block elements Ce-Lu and Th-Lr belong to no IUPAC group; they get
  ``group_id = 3`` (the group-3 slot the f-block is drawn out of), and
  ``block_code = 3`` tells them apart.
* Allotropes: solid-solid transitions (grey Sn, rhombic S, vitreous Se) are
  not melting points and are skipped; of the remaining rows a non-sublimation
  one is preferred (white, not red, P). C and As sublime at 1 atm: their
  ``boiling_point`` is the sublimation temperature, and C has no melting point.
* At, Fr and Z >= 99 are left out unless ``include_estimated``: mendeleev
  documents their densities as theoretical estimates, and their CRC melting
  points are predictions too.
* Elements with a missing target or descriptor are dropped; how many and
  which is in ``attrs``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass

import numpy as np

from physml.data import Dataset, provenance
from physml.errors import ParameterError

__all__ = ["TARGETS", "DESCRIPTORS", "DEFAULT_DESCRIPTORS", "ESTIMATED", "ElementTableParams", "element_table"]

#: target name -> (array name, unit)
TARGETS = {
    "melting_point": ("melting_point_K", "K"),
    "boiling_point": ("boiling_point_K", "K"),
    "density": ("density_g_cm3", "g/cm^3"),
    "thermal_conductivity": ("thermal_conductivity_W_mK", "W/(m K)"),
}
#: descriptor name -> unit
DESCRIPTORS = {
    "atomic_number": "1",
    "atomic_weight": "u",
    "period": "1",
    "group_id": "1",
    "block_code": "1",
    "covalent_radius_pm": "pm",
    "electronegativity_pauling": "1",
    "ionization_energy_eV": "eV",
    "valence_electrons": "1",
    "atomic_radius_pm": "pm",
    "electron_affinity_eV": "eV",
    "dipole_polarizability_bohr3": "bohr^3",
}
DEFAULT_DESCRIPTORS = (
    "atomic_number", "atomic_weight", "period", "group_id", "block_code",
    "covalent_radius_pm", "electronegativity_pauling", "ionization_energy_eV", "valence_electrons",
)
#: elements whose properties mendeleev documents as theoretical estimates
ESTIMATED = ("At", "Fr", "Es", "Fm", "Md", "No", "Lr", "Rf", "Db", "Sg", "Bh", "Hs", "Mt", "Ds", "Rg",
             "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og")
_INTEGER = {"atomic_number", "period", "group_id", "block_code", "valence_electrons"}
_BLOCKS = {"s": 0, "p": 1, "d": 2, "f": 3}


@functools.lru_cache(maxsize=1)
def _full_table():
    """Every element with every descriptor and target (NaN where missing), indexed by atomic number."""
    import pandas as pd
    from mendeleev.econf import ElectronicConfiguration
    from mendeleev.fetch import fetch_table

    el = fetch_table("elements").set_index("atomic_number").sort_index()
    ie = fetch_table("ionizationenergies")  # fetch_ionization_energies is broken with pandas 3
    first_ie = ie[ie["ion_charge"] == 0].set_index("atomic_number")["ionization_energy"]
    df = pd.DataFrame(index=el.index)
    df["symbol"] = el["symbol"]
    df["atomic_number"] = el.index.to_numpy()
    df["atomic_weight"] = el["atomic_weight"]
    df["period"] = el["period"]
    df["block_code"] = el["block"].map(_BLOCKS)
    df["group_id"] = el["group_id"].where(el["block"] != "f", 3)
    df["covalent_radius_pm"] = el["covalent_radius_pyykko"]
    df["electronegativity_pauling"] = el["en_pauling"]
    df["ionization_energy_eV"] = first_ie.reindex(el.index)
    df["valence_electrons"] = [ElectronicConfiguration(c).nvalence(b, p)
                               for c, b, p in zip(el["electronic_configuration"], el["block"], el["period"])]
    df["atomic_radius_pm"] = el["atomic_radius"]
    df["electron_affinity_eV"] = el["electron_affinity"]
    df["dipole_polarizability_bohr3"] = el["dipole_polarizability"]
    df["density_g_cm3"] = el["density"]
    df["thermal_conductivity_W_mK"] = el["thermal_conductivity"]
    phase = _phase_transitions(fetch_table("phasetransitions")).reindex(el.index)
    df["melting_point_K"] = phase["melting_point"]
    df["boiling_point_K"] = phase["boiling_point"]
    return df


def _phase_transitions(pt):
    """One row of melting/boiling points per element, by the allotrope rules of the module docstring."""
    rows = pt[~(pt["is_transition"] == 1)].copy()  # flags are 1 or missing
    rows["_sublimes"] = rows["is_sublimation_point"] == 1
    rows = rows.sort_values(["atomic_number", "_sublimes", "id"])
    return rows.groupby("atomic_number")[["melting_point", "boiling_point"]].first()


@dataclass(frozen=True)
class ElementTableParams:
    """What :func:`element_table` builds: ``target`` (a key of :data:`TARGETS`),
    ``descriptors`` (keys of :data:`DESCRIPTORS`; a comma-separated string is
    split) and ``include_estimated`` (keep the elements in :data:`ESTIMATED`)."""

    target: str = "melting_point"
    descriptors: tuple[str, ...] = DEFAULT_DESCRIPTORS
    include_estimated: bool = False

    def __post_init__(self) -> None:
        if self.target not in TARGETS:
            raise ParameterError.invalid("target", self.target, f"one of {', '.join(TARGETS)}")
        allowed = f"a non-empty list of distinct descriptors from {', '.join(DESCRIPTORS)}"
        descriptors = self.descriptors
        if isinstance(descriptors, str):
            descriptors = tuple(d.strip() for d in descriptors.split(",") if d.strip())
        try:
            descriptors = tuple(descriptors)
        except TypeError:
            raise ParameterError.invalid("descriptors", self.descriptors, allowed) from None
        unknown = [d for d in descriptors if d not in DESCRIPTORS]
        if unknown:
            raise ParameterError.invalid("descriptors", unknown[0], allowed)
        if not descriptors or len(set(descriptors)) != len(descriptors):
            raise ParameterError.invalid("descriptors", self.descriptors, allowed)
        object.__setattr__(self, "descriptors", descriptors)
        if not isinstance(self.include_estimated, bool):
            raise ParameterError.invalid("include_estimated", self.include_estimated, "True or False")


def element_table(target: str = "melting_point", descriptors: object = DEFAULT_DESCRIPTORS, *,
                  include_estimated: bool = False) -> Dataset:
    """The elements with a known ``target`` and all ``descriptors``, as a :class:`Dataset`.

    Arrays: ``symbol`` (``S3`` bytes), each descriptor (int64 for counts and
    codes, float64 otherwise) and the target (``melting_point_K``,
    ``boiling_point_K`` or ``density_g_cm3``), ordered by atomic number.
    ``attrs``: ``target`` and ``features`` (array names), and the dropped
    elements by reason (``dropped_estimated``, ``dropped_missing_target``,
    ``dropped_missing_descriptors``, JSON lists of symbols) with their counts
    (``n_dropped_*``). Unknown names raise :class:`ParameterError`.
    """
    params = ElementTableParams(target, descriptors, include_estimated)  # type: ignore[arg-type]
    table = _full_table()
    target_name, target_unit = TARGETS[params.target]
    cols = list(params.descriptors)
    estimated = table["symbol"].isin(ESTIMATED) & (not params.include_estimated)
    missing_target = ~estimated & table[target_name].isna()
    missing_desc = ~estimated & ~missing_target & table[cols].isna().any(axis=1)
    kept = table[~(estimated | missing_target | missing_desc)]
    arrays = {"symbol": kept["symbol"].to_numpy().astype("S3")}
    for name in cols:
        arrays[name] = kept[name].to_numpy(np.int64 if name in _INTEGER else np.float64)
    arrays[target_name] = kept[target_name].to_numpy(np.float64)
    units = {"symbol": "1", **{name: DESCRIPTORS[name] for name in cols}, target_name: target_unit}
    import mendeleev

    attrs = provenance("elements", asdict(params), None)
    attrs.update(target=target_name, features=json.dumps(cols),
                 source=f"mendeleev {mendeleev.__version__} database (CRC Handbook, NIST ASD, Pyykko 2009 radii)",
                 group_id_f_block=3)
    for reason, mask in (("estimated", estimated), ("missing_target", missing_target),
                         ("missing_descriptors", missing_desc)):
        attrs[f"dropped_{reason}"] = json.dumps(table.loc[mask, "symbol"].tolist())
        attrs[f"n_dropped_{reason}"] = int(mask.sum())
    return Dataset(arrays, units, attrs)
