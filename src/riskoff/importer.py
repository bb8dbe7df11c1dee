"""Import a user's own ``date,value`` CSV into the store, all or nothing."""

from __future__ import annotations

from pathlib import Path

from riskoff.catalog import SeriesSpec, load_catalog
from riskoff.checks import UNIT_CONVERSIONS, clean_observations, read_user_csv
from riskoff.errors import DataError
from riskoff.store import Store, WriteResult, default_store


def import_csv(
    path: Path,
    series_id: str,
    unit: str | None = None,
    name: str | None = None,
    frequency: str = "daily",
    asset_class: str = "equity",
    store: Store | None = None,
) -> WriteResult:
    """Validate ``path`` and write it to ``series_id`` in one transaction.

    Parameters
    ----------
    path : Path
        CSV with a ``date,value`` header.
    series_id : str
        A catalog id, an id defined earlier, or a new id when ``name`` is given.
    unit : str, optional
        The file's unit; converted to the series unit when a conversion is known
        (``USD mn`` to ``USD bn``, ``bp`` to ``percent`` ...), an error otherwise.
    name, frequency, asset_class : str
        Define a new series of the user's own (only with ``name``).
    store : Store, optional
        Target store.

    Returns
    -------
    WriteResult
        Rows added, revised and unchanged.

    Raises
    ------
    DataError
        On any problem with the file; the store is left unchanged.
    """
    store = store or default_store()
    own = store.user_series()
    if series_id not in load_catalog() and series_id not in own:
        if name is None:
            raise DataError(
                f"{path}: unknown series id {series_id!r}; to add a series of your own, "
                "pass --name (and --unit, --frequency)"
            )
        spec = SeriesSpec(
            id=series_id,
            name=name,
            asset_class=asset_class,
            unit=unit or "unknown",
            frequency=frequency,
            publication_lag_days=0,
            source="user",
            native_id=series_id,
            user_defined=True,
        )
        raw = read_user_csv(path, series_id)
        frame = clean_observations(raw, series_id, str(path))
        store.define_series(spec)
        return store.write(series_id, frame, source=f"user:{path.name}", spec=spec)
    spec = store.spec(series_id)
    raw = read_user_csv(path, series_id)
    factor = 1.0
    if unit is not None and unit != spec.unit:
        if (unit, spec.unit) not in UNIT_CONVERSIONS:
            raise DataError(
                f"{path}: series {series_id}: unit {unit!r} does not match the catalog unit "
                f"{spec.unit!r} and riskoff knows no conversion"
            )
        factor = UNIT_CONVERSIONS[(unit, spec.unit)]
    reference = store.series_values(series_id)
    frame = clean_observations(raw, series_id, str(path), reference=None, unit=spec.unit)
    frame["value"] *= factor
    # The unit check runs after the declared conversion, against what the store holds.
    frame = clean_observations(frame, series_id, str(path), reference=reference, unit=spec.unit)
    return store.write(series_id, frame, source=f"user:{path.name}", spec=spec)
