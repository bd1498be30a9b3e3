"""The folder of a transactions fit: ``value.toml``, ``fit.json`` and, when a config was
given, ``calibrated.toml`` (that config with the fitted ``[value]`` table and
``behaviour.revenue_per_order``). Written into a new temporary folder and renamed into
place, so a folder holds one whole fit or the one before; a folder holding anything
else is refused before fitting."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

from sim.config import ConfigError
from sim.files import make_dirs, replace_folder, temp_dir, write_text
from sim.value_fit.result import ValueFit

FILES = ("value.toml", "fit.json", "calibrated.toml")
DEFAULT_OUT = Path("fits") / "transactions"
# Config keys that name files relative to the config's folder: made absolute in
# calibrated.toml, which lives in another folder.
PATH_KEYS = (("graph", "path"), ("seeds", "costs"))


def check_out(out: str | Path) -> Path:
    """Refuse a folder that holds anything but an earlier transactions fit."""
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise ConfigError(f"--out {out}: is a file")
        others = sorted(p.name for p in out.iterdir() if p.name not in FILES)
        if others:
            raise ConfigError(f"--out {out}: not a transactions-fit folder (has {others[0]})")
    return out


def calibrated_config(data: dict[str, Any], base_dir: str | Path, fit: ValueFit) -> dict[str, Any]:
    """A config's data with the fit's ``[value]`` keys set (the config's own horizon,
    discount rate and, under ``bg_nbd``, referral effects kept) and
    ``behaviour.revenue_per_order`` set to the fitted mean order value (yuan); relative
    file paths made absolute."""
    out = copy.deepcopy(data)
    base = out.get("value") if isinstance(out.get("value"), dict) else {}
    fitted = fit.value_table()
    if base.get("model") != fitted.get("model"):  # another model's keys do not carry over
        base = {k: base[k] for k in ("horizon_days", "discount_rate") if k in base}
    out["value"] = {**base, **fitted}
    behaviour = out.setdefault("behaviour", {})
    if not isinstance(behaviour, dict):
        raise ConfigError("behaviour: expected a table of keys")
    behaviour["revenue_per_order"] = round(fit.revenue_per_order.value, 2)
    for section, key in PATH_KEYS:
        table = out.get(section)
        if isinstance(table, dict) and isinstance(table.get(key), str):
            path = Path(table[key])
            if not path.is_absolute():
                table[key] = str((Path(base_dir) / path).resolve())
    return out


def write_value_fit(
    fit: ValueFit, out: str | Path, calibrated: dict[str, Any] | None = None, note: str = ""
) -> Path:
    """Write the fit's files to ``out`` (replacing an earlier fit there, its
    calibrated.toml included); ``calibrated`` is the config to write as calibrated.toml,
    headed by the comment ``note``."""
    from sim.store import toml_text

    out = check_out(out)
    make_dirs(out.parent)
    tmp = temp_dir(out.parent, out.name)
    try:
        write_text(tmp / "value.toml", fit.value_toml())
        write_text(tmp / "fit.json", json.dumps(fit.to_json(), indent=2) + "\n")
        if calibrated is not None:
            head = "".join(f"# {line}\n" for line in note.splitlines())
            write_text(tmp / "calibrated.toml", head + toml_text(calibrated))
        replace_folder(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return out
