"""Running a command so that Ctrl-C stops it at once, whatever it is computing.

FLINT and BLAS hold the interpreter for minutes inside one call without looking at
signals, so a KeyboardInterrupt raised in the process doing the work can come minutes
late. The command therefore runs in a forked child and the parent only waits: on Ctrl-C
(or SIGTERM, SIGHUP) the parent stops the child, removes the temporary files the child's
atomic writers left next to the output paths (``.<name>.*``, see
``exactid.formats.jsonio.write_text_atomic``), prints one line and returns 128 + the
signal number (130 for Ctrl-C). Nothing heavy is imported before the fork, so the child
starts with no threads and the parent stays small.

Where ``os.fork`` does not exist the command runs in the calling process.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = ["die_with_parent", "run_isolated"]

GRACE_SECONDS = 0.5  # between SIGTERM and SIGKILL to a child being stopped

_MESSAGES = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated"}


class _Stop(Exception):
    """The parent received a signal asking it to stop."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def run_isolated(command: Callable[[], int], outputs: Sequence[str | os.PathLike] = ()
                 ) -> int:
    """Return the exit status of ``command()`` run in a child process.

    Parameters
    ----------
    command : runs the whole command and returns its exit status; called in the child.
    outputs : the files the command may write; on an interruption, temporary files of
        their atomic writers that appeared since the start are removed.

    Returns
    -------
    The child's exit status; 128 + N when the child or the parent was stopped by signal N
    (130 for Ctrl-C), after one line on stderr.
    """
    if not hasattr(os, "fork") or not hasattr(signal, "pthread_sigmask"):
        return command()
    stopping = (signal.SIGTERM, signal.SIGHUP)
    caught = {signal.SIGINT, *stopping}
    previous = {sig: signal.getsignal(sig) for sig in caught}
    pid = None
    try:
        before = _temporary_files(outputs)
        sys.stdout.flush()
        sys.stderr.flush()
        parent = os.getpid()
        # held back until each side has its handlers: a SIGTERM just after the fork must
        # neither kill the parent outright nor raise in the child
        signal.pthread_sigmask(signal.SIG_BLOCK, caught)
        pid = os.fork()
        if pid == 0:
            _child(command, parent, caught)
        for sig in stopping:
            signal.signal(sig, _raise_stop)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, caught)
        status = _wait(pid)
    except (KeyboardInterrupt, _Stop) as exc:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut this
        for sig in stopping:
            signal.signal(sig, signal.SIG_IGN)
        if pid:
            _stop_child(pid)
            _remove_new(outputs, before)
        signum = exc.signum if isinstance(exc, _Stop) else signal.SIGINT
        print(f"exactid: {_MESSAGES.get(signum, 'stopped')}", file=sys.stderr, flush=True)
        return 128 + signum
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, caught)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    code = os.waitstatus_to_exitcode(status)
    if code < 0:  # killed by a signal: the kernel's out-of-memory killer, a kill -9
        _remove_new(outputs, before)
        print(f"exactid: the computation was killed by {signal.Signals(-code).name}"
              + (" (out of memory?)" if -code == signal.SIGKILL else ""),
              file=sys.stderr, flush=True)
        return 128 - code
    return code


def _raise_stop(signum: int, frame: object) -> None:
    raise _Stop(signum)


def _child(command: Callable[[], int], parent: int, caught: set[int]) -> None:
    """Run the command and leave with its status; never returns. Ctrl-C is the parent's
    business: the terminal sends SIGINT to both, and only the parent may answer it;
    SIGTERM and SIGHUP end the child at once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for sig in caught - {signal.SIGINT}:
        signal.signal(sig, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, caught)
    die_with_parent(parent)
    code = 1
    try:
        code = command()
    except SystemExit as exc:
        if isinstance(exc.code, int) or exc.code is None:
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe or a closed stream
                pass
        os._exit(code if isinstance(code, int) and 0 <= code <= 255 else 1)


def die_with_parent(parent: int) -> None:
    """Ask the kernel (Linux only) to kill this process when ``parent`` dies, even by
    SIGKILL, so that no orphan keeps computing; used by command children and pool workers."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl
        os._exit(1)


def _wait(pid: int) -> int:
    """The wait status of the child (signals raise in the parent's handlers)."""
    while True:
        waited, status = os.waitpid(pid, 0)
        if waited == pid:
            return status


def _stop_child(pid: int) -> None:
    """SIGTERM, then SIGKILL if the child is still there after a short grace; reaped."""
    import time

    try:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        while time.monotonic() < deadline:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
            time.sleep(0.01)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _temporary_files(outputs: Sequence[str | os.PathLike]) -> set[Path]:
    """The files ``.<name>.*`` next to each output path: what atomic writers create."""
    found: set[Path] = set()
    for out in outputs:
        target = Path(out)
        try:
            found.update(target.parent.glob(f".{_glob_escape(target.name)}.*"))
        except OSError:
            pass
    return found


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _remove_new(outputs: Sequence[str | os.PathLike], before: set[Path]) -> None:
    """Remove the temporary files of the outputs that did not exist before the command."""
    for path in _temporary_files(outputs) - before:
        try:
            path.unlink()
        except OSError:
            pass
