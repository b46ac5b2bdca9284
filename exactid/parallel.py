"""Running independent exact computations on several cores, or on a Dask cluster.

Exact arithmetic (FLINT, Python integers) holds the interpreter lock, so threads do not
help: the work goes to separate processes. :func:`map_jobs` is the one entry point. It
applies a function to a list of items and returns the results in the order of the items,
whatever the order in which they finished, so that a computation split into independent
tasks gives the same answer with one worker or many. :func:`imap_jobs` yields the results
as they finish, for callers that write or report them at once.

Three back ends, the same contract:

* ``workers=1`` (and no scheduler): a plain loop in the calling process;
* ``workers=N``: a ``concurrent.futures.ProcessPoolExecutor`` of N processes (started by
  a fork server where it exists, else spawned: never a fork of the caller, whose BLAS or
  FLINT threads may hold locks); each worker sets FLINT to one thread, ignores Ctrl-C (the
  parent answers it) and dies with its parent;
* ``scheduler=ADDRESS`` or a ``dask.distributed.Client``: the tasks go to an existing Dask
  cluster (``pip install 'exactid[dask]'``); ``workers`` is then ignored.

The function and the items must be picklable (a module-level function, plain data). A
script that asks for workers needs the ``if __name__ == "__main__":`` guard around its
work, as for any process pool that does not fork the caller (the workers import the
script's module). An
exception raised by a task cancels the tasks not yet started and is raised again here;
Ctrl-C does the same and stops the worker processes.

Example
-------
>>> from exactid.parallel import map_jobs
>>> map_jobs(abs, [-3, 1, -2], workers=1)
[3, 1, 2]
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from .errors import ExactidError, InputError
from .progress import Progress, throttled

__all__ = ["default_workers", "imap_jobs", "map_jobs"]


def default_workers() -> int:
    """Return the number of worker processes used when none is asked for: the cores this
    process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def map_jobs(fn: Callable[[Any], Any], items: Iterable[Any], workers: int | None = None,
             scheduler: Any = None, progress: Progress | None = None,
             label: str = "tasks") -> list[Any]:
    """Return ``[fn(item) for item in items]``, computed by several workers.

    Parameters
    ----------
    fn : a picklable function of one argument (defined at module level).
    items : the arguments; each must be picklable.
    workers : the number of local worker processes; ``None`` for all cores
        (:func:`default_workers`), 1 for the calling process alone.
    scheduler : the address of a Dask distributed scheduler (``"tcp://host:8786"``) or a
        ``dask.distributed.Client``; the tasks then run on that cluster.
    progress : called with a line such as ``"12 of 40 tasks done"``, at most every 2 s.
    label : the word for the items in the progress line.

    Returns
    -------
    The results, in the order of ``items``.

    Raises
    ------
    InputError : ``workers`` is not a positive integer, or the scheduler cannot be reached
        or dask is not installed.
    Whatever ``fn`` raised, for the first failing task met.
    """
    items = list(items)
    results: list[Any] = [None] * len(items)
    for index, result in imap_jobs(fn, items, workers=workers, scheduler=scheduler,
                                   progress=progress, label=label):
        results[index] = result
    return results


def imap_jobs(fn: Callable[[Any], Any], items: Sequence[Any], workers: int | None = None,
              scheduler: Any = None, progress: Progress | None = None,
              label: str = "tasks") -> Iterator[tuple[int, Any]]:
    """Yield ``(index, fn(items[index]))`` for every item, in the order the tasks finish.

    Parameters and errors are those of :func:`map_jobs`. Closing the iterator early (or
    Ctrl-C while it waits) cancels the tasks not yet finished.
    """
    items = list(items)
    tick = throttled(progress)
    done = 0
    for index, result in _backend(fn, items, workers, scheduler):
        done += 1
        tick(lambda done=done: f"{done} of {len(items)} {label} done")
        yield index, result


def _backend(fn: Callable[[Any], Any], items: list[Any], workers: int | None,
             scheduler: Any) -> Iterator[tuple[int, Any]]:
    if scheduler is not None:
        return _dask(fn, items, scheduler)
    if workers is None:
        workers = default_workers()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"workers must be a positive integer, not {workers!r}")
    workers = min(workers, len(items))
    if workers <= 1:
        return ((index, fn(item)) for index, item in enumerate(items))
    return _processes(fn, items, workers)


def _processes(fn: Callable[[Any], Any], items: list[Any], workers: int
               ) -> Iterator[tuple[int, Any]]:
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context(),
                               initializer=_start_worker)
    finished = False
    try:
        pending = {pool.submit(fn, item): index for index, item in enumerate(items)}
        while pending:
            ready, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in ready:
                index = pending.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool as exc:
                    raise ExactidError(
                        "a worker process stopped abruptly (out of memory, killed, or started "
                        "from a script without the 'if __name__ == \"__main__\":' guard); "
                        "run with one worker to compute in this process") from exc
                yield index, result
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            _stop_pool(pool)


def _context() -> Any:
    """The way worker processes start: ``forkserver`` where it exists (a plain fork of a
    process whose BLAS or FLINT threads hold a lock would deadlock the worker), with the
    exact modules preloaded so that a worker starts in milliseconds; else ``spawn``."""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["exactid.regions", "exactid.compare", "exactid.batch"])
    return context


def _start_worker() -> None:
    """Prepare a worker process: one FLINT thread (the pool is the parallelism), Ctrl-C
    left to the caller, and no life after its parent (the fork server, which leaves when
    the caller does)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from .interrupt import die_with_parent

    die_with_parent(os.getppid())
    _one_flint_thread()


def _one_flint_thread() -> None:
    try:
        import flint

        flint.ctx.threads = 1
    except (ImportError, AttributeError):
        pass


def _stop_pool(pool: Any) -> None:
    """Cancel what has not started and stop the workers now: a task may be inside one
    FLINT call for minutes, and waiting for it would make Ctrl-C useless."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        try:
            process.terminate()
        except (OSError, AttributeError):
            pass
    for process in processes:
        try:
            process.join(timeout=1.0)
        except (OSError, AttributeError, AssertionError):
            pass


class _InWorker:
    """``fn`` wrapped so that it runs with one FLINT thread on a Dask worker."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn

    def __call__(self, item: Any) -> Any:
        _one_flint_thread()
        return self.fn(item)


def _dask(fn: Callable[[Any], Any], items: list[Any], scheduler: Any
          ) -> Iterator[tuple[int, Any]]:
    try:
        from dask.distributed import Client, as_completed
    except ImportError as exc:
        raise InputError("--scheduler needs Dask distributed, which is not installed; "
                         "install it with: pip install 'exactid[dask]'") from exc
    own = not isinstance(scheduler, Client)
    if own:
        try:
            client = Client(scheduler, timeout="10s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}; "
                             "start one with 'dask scheduler' or check the address"
                             ) from exc
    else:
        client = scheduler
    return _dask_results(client, own, _InWorker(fn), items, as_completed)


def _dask_results(client: Any, own: bool, task: _InWorker, items: list[Any],
                  as_completed: Any) -> Iterator[tuple[int, Any]]:
    futures = []
    try:
        futures = client.map(task, items, pure=False)
        index_of = {future.key: index for index, future in enumerate(futures)}
        for future in as_completed(futures, loop=client.loop):
            yield index_of[future.key], future.result()
    finally:
        unfinished = [future for future in futures if not future.done()]
        if unfinished:
            client.cancel(unfinished)
        if own:
            client.close()
