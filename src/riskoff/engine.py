"""Run riskoff's partitioned computations in this process or on a Dask cluster.

riskoff never manages clusters: a computation takes an optional ``dask.distributed.Client``
(whatever cluster it is connected to), and :func:`connect` is the command line's convenience
for ``--workers N`` (a ``LocalCluster`` on this machine) and ``--scheduler ADDRESS`` (a running
scheduler). Dask is imported only when one of them is used (the ``dask`` extra).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from riskoff.errors import DataError, MissingExtraError

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["Runner", "connect"]


class _Done:
    """A value computed in this process, standing where a Dask future would."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class Runner:
    """Submit tasks to a Dask client, or compute them on the spot without one.

    Parameters
    ----------
    client : dask.distributed.Client, optional
        Where tasks run. Without it each task runs when submitted, in this process.

    Notes
    -----
    Arguments that are earlier tasks' handles are resolved on the worker (Dask) or unwrapped
    (local), so the same orchestration code serves both.
    """

    def __init__(self, client: Client | None = None) -> None:
        self.client = client

    @property
    def workers(self) -> int:
        """Number of workers (1 without a client)."""
        if self.client is None:
            return 1
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(*args)`` and return a handle for :meth:`result` or another task."""
        if self.client is None:
            return _Done(fn(*(a.value if isinstance(a, _Done) else a for a in args)))
        return self.client.submit(fn, *args, pure=False)

    def result(self, handle: Any) -> Any:
        """The value of a handle (waits for a Dask future)."""
        if isinstance(handle, _Done):
            return handle.value
        return handle.result()

    def results(self, handles: list[Any]) -> list[Any]:
        """The values of several handles (one round trip on Dask)."""
        if self.client is None:
            return [self.result(h) for h in handles]
        gathered: list[Any] = self.client.gather(handles)
        return gathered


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise MissingExtraError(
            "Dask is not installed: pip install 'riskoff[dask]' to use --workers or --scheduler"
        ) from None
    return distributed


@contextmanager
def connect(
    workers: int | None = None, scheduler: str | None = None, *, processes: bool = True
) -> Iterator[Client | None]:
    """Yield a Dask client for ``workers`` local processes or a running ``scheduler``, or None.

    Parameters
    ----------
    workers : int, optional
        Start a ``LocalCluster`` of this many single-threaded workers (no dashboard), closed on
        exit.
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``); the cluster is left running.
    processes : bool, default True
        Local workers as processes (each its own memory) or threads of this process.

    Yields
    ------
    Client or None
        None when neither is given: the computation runs in this process.
    """
    if workers is not None and scheduler is not None:
        raise DataError("give --workers or --scheduler, not both")
    if workers is None and scheduler is None:
        yield None
        return
    distributed = _import_distributed()
    if scheduler is not None:
        try:
            client = distributed.Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise DataError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        try:
            yield client
        finally:
            client.close()
        return
    cluster = distributed.LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=processes,
        dashboard_address=None,
        # this machine only, over TCP even with thread workers: nothing listens on other
        # interfaces and no network interface is looked up
        host="127.0.0.1",
        protocol="tcp",
        silence_logs=50,
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
