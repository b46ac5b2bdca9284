"""Batch runs: many exactid commands read from a JSON-lines file, one result line per job.

``exactid batch JOBS.jsonl --out RESULTS.jsonl`` reads one job per line of JOBS, runs it
and appends one line to RESULTS (docs/batch.md gives the fields of every command)::

    {"id": "e1", "command": "identify", "network": "examples/identify/e1/network.json",
     "domain": "examples/identify/e1/domain.json", "seed": 1}
    ->  {"id":"e1","ok":true,"result":{...}}      the object 'exactid identify --json' prints
    ->  {"id":"e1","ok":false,"error":"..."}      one line, when the job could not run

A result is what the command's ``--json`` prints, because it is built by the same code: the
library function of the command and the JSON builder of ``exactid.cli`` (``local_json``,
``identify_json``, the results' ``to_json``), after the same input checks.

The rules that keep a batch going and its results file usable:

* A bad job (a malformed line, an unknown command or field, a missing file, an invalid
  network, ...) never stops the batch: it becomes an ``ok: false`` line. A line whose id
  cannot be read gets ``"id": null`` and ``"line": N`` (its line number in JOBS).
* Ids are strings or integers and must be unique: a repeated id makes one error line for
  that id, and none of its jobs runs.
* Resuming: jobs whose id (or, for id-less lines, line number) already has a line in
  RESULTS are skipped, whether that line says ok or not. A last line without its newline
  (a write cut short) is removed first and its job runs again.
* Every line is written by one ``write`` on a file opened for appending, with SIGINT and
  SIGTERM held back during the write, so an interruption (Ctrl-C, ``kill``) leaves the
  finished lines intact and the file valid JSON lines. The file is synced to disk at the
  end and with the first line written ``SYNC_SECONDS`` after the last sync.
* Lines appear in the order the jobs finish: input order with one worker, any order with
  several (``exactid.parallel.imap_jobs``); the line of a job is the same either way.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import DomainError, ExactidError, InputError
from .progress import Progress

__all__ = ["COMMANDS", "BatchSummary", "Job", "Rejected", "Terminated", "read_jobs",
           "run_batch", "run_job"]

_INPUTS = frozenset({"format", "layout"})  # --format and --layout of the model files
# the fields of a job besides id and command: (required, optional), mirroring the options
COMMANDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "local": (frozenset({"network", "samples"}), _INPUTS | {"seed", "float_check"}),
    "identify": (frozenset({"network", "domain"}), _INPUTS | {"seed"}),
    "regions": (frozenset({"network", "domain"}), _INPUTS),
    "diff": (frozenset({"network", "b", "domain"}), _INPUTS),
    "equiv": (frozenset({"network", "b"}), _INPUTS),
    "design-sample": (frozenset({"network", "domain"}), _INPUTS | {"seed"}),
}
_LAYOUTS = ("out-in", "in-out")
SYNC_SECONDS = 1.0  # between two syncs of the results file to disk (and one at the end)


@dataclass(frozen=True)
class Job:
    """One valid job line: its id, command and fields (paths or inline documents)."""

    id: str | int
    command: str
    line: int
    fields: dict[str, Any]

    @property
    def key(self) -> str:
        return _id_key(self.id)


@dataclass(frozen=True)
class Rejected:
    """A job line that cannot run, with the one-line reason; ``id`` is None when the line
    gives none that can be read (the line number then names it)."""

    id: str | int | None
    line: int
    error: str

    @property
    def key(self) -> str:
        return f"line:{self.line}" if self.id is None else _id_key(self.id)


@dataclass(frozen=True)
class BatchSummary:
    """What a batch run did: jobs in JOBS, skipped (already in RESULTS), ok and failed."""

    jobs: int
    skipped: int
    ok: int
    failed: int


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived during a batch run (raised between two steps, never inside the
    write of a result line)."""


def _id_key(job_id: str | int) -> str:
    return "id:" + json.dumps(job_id)


# ---------------------------------------------------------------------------- reading JOBS

def read_jobs(path: str | os.PathLike) -> list[Job | Rejected]:
    """Return the entries of a jobs file, one per non-blank line, in file order.

    Every line that cannot run becomes a :class:`Rejected` with its reason; a repeated id
    becomes one :class:`Rejected` for that id, at its first line.

    Raises
    ------
    InputError : the file cannot be read.
    """
    try:
        with open(path, "rb") as fh:
            raw = fh.read().split(b"\n")
    except OSError as exc:
        raise InputError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    entries = [_parse_line(text, lineno) for lineno, text in enumerate(raw, start=1)
               if text.strip()]
    lines_of: dict[str, list[int]] = {}
    for entry in entries:
        if entry.id is not None:
            lines_of.setdefault(entry.key, []).append(entry.line)
    kept: list[Job | Rejected] = []
    for entry in entries:
        lines = lines_of.get(entry.key, [])
        if len(lines) < 2:
            kept.append(entry)
        elif entry.line == lines[0]:
            kept.append(Rejected(entry.id, entry.line, f"id {json.dumps(entry.id)} is on "
                                 f"lines {', '.join(map(str, lines))} of {path}: ids must be "
                                 "unique, so none of these jobs ran"))
    return kept


def _parse_line(text: bytes, lineno: int) -> Job | Rejected:
    """The job of one line of JOBS, or why it cannot run."""
    from .numbers import loads_json

    try:
        doc = loads_json(text.decode("utf-8"))
    except UnicodeDecodeError:
        return Rejected(None, lineno, f"line {lineno}: not UTF-8 text")
    except json.JSONDecodeError as exc:
        return Rejected(None, lineno, f"line {lineno}: malformed JSON ({exc.msg} at column "
                        f"{exc.colno})")
    except ValueError as exc:
        return Rejected(None, lineno, f"line {lineno}: {exc}")
    if not isinstance(doc, dict):
        return Rejected(None, lineno, f"line {lineno}: a job is a JSON object with 'id' and "
                        "'command'")
    job_id = doc.get("id")
    if type(job_id) not in (str, int):  # not bool, nor a decimal kept as text
        return Rejected(None, lineno, f"line {lineno}: 'id' must be a string or an integer"
                        + ("" if "id" in doc else " (it is missing)"))
    problem = _field_problem(doc)
    if problem:
        return Rejected(job_id, lineno, f"line {lineno}: {problem}")
    fields = {k: v for k, v in doc.items() if k not in ("id", "command")}
    return Job(job_id, doc["command"], lineno, fields)


def _field_problem(doc: dict) -> str | None:
    """What is wrong with the command and fields of a job, or None."""
    from .cli import _FORMATS

    command = doc.get("command")
    if command not in COMMANDS:
        return (f"unknown command {json.dumps(command)}; expected one of "
                f"{', '.join(COMMANDS)}")
    required, optional = COMMANDS[command]
    given = set(doc) - {"id", "command"}
    if required - given:
        return f"'{command}' needs the field(s) {', '.join(sorted(required - given))}"
    if given - required - optional:
        return (f"unknown field(s) {', '.join(sorted(given - required - optional))} for "
                f"'{command}' (it takes {', '.join(sorted(required | optional))})")
    kinds = {"network": dict, "b": dict, "domain": dict, "samples": list}
    for name, inline in kinds.items():
        if name in doc and not isinstance(doc[name], str | inline):
            what = "an object" if inline is dict else "an array"
            return f"'{name}' must be a file path or {what} (the document itself)"
    seed = doc.get("seed")
    if seed is not None and type(seed) is not int:
        return "'seed' must be an integer or null"
    if "float_check" in doc and type(doc["float_check"]) is not bool:
        return "'float_check' must be true or false"
    if doc.get("format") is not None and doc["format"] not in _FORMATS:
        return f"'format' must be one of {', '.join(_FORMATS)}"
    if doc.get("layout") is not None and doc["layout"] not in _LAYOUTS:
        return f"'layout' must be one of {', '.join(_LAYOUTS)}"
    return None


# ---------------------------------------------------------------------------- running a job
# Each job runs in one process (workers=1): the batch parallelises across jobs.

def run_job(entry: Job | Rejected) -> tuple[bool, str]:
    """Return whether the job succeeded and its result line (JSON text, no newline).

    Never raises for a bad job: input errors (``ExactidError``) and any other exception
    become an ``ok: false`` line with one line of text. Defined at module level so that
    worker processes and Dask workers can run it.
    """
    if isinstance(entry, Rejected):
        return False, _error_line(entry.id, entry.error, entry.line)
    from .formats import dump_json

    try:
        result = _RUNNERS[entry.command](entry.fields)
        return True, dump_json({"id": entry.id, "ok": True, "result": result}, compact=True)
    except ExactidError as exc:
        message = str(exc)
    except RecursionError:
        message = "input nested too deeply"
    except Exception as exc:  # a bad job must not stop the batch, whatever it does
        message = f"internal error ({type(exc).__name__}: {exc}); please report it"
    return False, _error_line(entry.id, message)


def _error_line(job_id: str | int | None, message: str, line: int | None = None) -> str:
    from .formats import dump_json

    doc: dict[str, Any] = {"id": job_id}
    if job_id is None:
        doc["line"] = line
    doc.update(ok=False, error=" ".join(message.split()) or "unknown error")
    return dump_json(doc, compact=True)


def _network(fields: dict, name: str = "network") -> tuple[Any, str, str]:
    """The network of a field, the name for messages and the name for the next steps
    (the path, or what ``exactid.explain`` says when there is no file: NET)."""
    from .cli import load_network
    from .formats import network_from_doc

    spec = fields[name]
    if isinstance(spec, str):
        return load_network(spec, fields.get("format"), fields.get("layout")), spec, spec
    return network_from_doc(spec, where=f"'{name}'"), f"'{name}'", "NET"


def _domain(fields: dict) -> tuple[Any, str, str]:
    """The domain of the job, the name for messages and the name for the next steps."""
    from .domain import domain_from_doc, read_domain

    spec = fields["domain"]
    if isinstance(spec, str):
        return read_domain(spec), spec, _domain_file(fields)
    return domain_from_doc(spec, where="'domain'"), "'domain'", _domain_file(fields)


def _samples(fields: dict, dim: int) -> tuple[list, str]:
    """The samples of the job and the name for the next steps."""
    from .formats import read_samples, samples_from_doc

    spec = fields["samples"]
    if isinstance(spec, str):
        return read_samples(spec, dim), spec
    samples = samples_from_doc(spec, dim, where="'samples'")
    if not samples:
        raise InputError("'samples': no samples")
    return samples, "X.json"


def _local(fields: dict) -> dict:
    from .cli import local_json, require_hidden_layer
    from .verdicts import local_verdict

    net, name, net_file = _network(fields)
    require_hidden_layer(net, name, "local")
    samples, samples_file = _samples(fields, net.n_inputs)
    result = local_verdict(net, samples, seed=fields.get("seed"), certificate=False,
                           float_check=fields.get("float_check", False))
    return local_json(result, net_file, samples_file)


def _identify(fields: dict) -> dict:
    from .cli import identify_json, require_dimension
    from .verdicts.identify import identify, not_applicable

    net, _, net_file = _network(fields)
    try:
        domain, domain_name, domain_file = _domain(fields)
    except DomainError as exc:  # as exactid identify: an empty or unbounded domain
        result, domain_file = not_applicable(str(exc)), _domain_file(fields)
    else:
        require_dimension(domain, domain_name, net)
        result = identify(net, domain, seed=fields.get("seed"), workers=1)
    return identify_json(result, net_file, domain_file)


def _domain_file(fields: dict) -> str:
    """The domain's name in the next steps: its path, or D.json (``exactid.explain``)."""
    return fields["domain"] if isinstance(fields["domain"], str) else "D.json"


def _regions(fields: dict) -> dict:
    from .cli import require_dimension, require_hidden_layer
    from .regions import enumerate_regions

    net, name, _ = _network(fields)
    domain, domain_name, _ = _domain(fields)
    require_hidden_layer(net, name)
    require_dimension(domain, domain_name, net)
    return enumerate_regions(net, domain, workers=1).to_json()


def _diff(fields: dict) -> dict:
    from .cli import require_comparable
    from .compare import compare

    (net_a, name_a, _), (net_b, name_b, _) = _network(fields), _network(fields, "b")
    domain, domain_name, _ = _domain(fields)
    require_comparable(net_a, name_a, net_b, name_b, domain, domain_name)
    return compare(net_a, net_b, domain, workers=1).to_json()


def _equiv(fields: dict) -> dict:
    from .symmetry import equivalence

    return equivalence(_network(fields)[0], _network(fields, "b")[0]).to_json()


def _design(fields: dict) -> dict:
    from .cli import require_dimension, require_hidden_layer
    from .design import design_sample

    net, name, _ = _network(fields)
    domain, domain_name, _ = _domain(fields)
    require_hidden_layer(net, name)
    require_dimension(domain, domain_name, net)
    return design_sample(net, domain, seed=fields.get("seed"), workers=1).to_json()


_RUNNERS: dict[str, Callable[[dict], dict]] = {
    "local": _local, "identify": _identify, "regions": _regions, "diff": _diff,
    "equiv": _equiv, "design-sample": _design}


# ---------------------------------------------------------------------------- RESULTS

class _Results:
    """The results file, opened for appending after the lines already there were read."""

    def __init__(self, path: str | os.PathLike) -> None:
        from .formats import check_writable

        self.path = check_writable(path)
        self.done = self._finished_keys()
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        self.synced = time.monotonic()

    def _finished_keys(self) -> set[str]:
        """The keys of the lines already in the file; a last line without its newline is
        cut off (the write of it was interrupted)."""
        done: set[str] = set()
        if not self.path.exists():
            return done
        complete = 0  # bytes up to the end of the last complete line
        try:
            with open(self.path, "rb") as fh:
                for lineno, line in enumerate(fh, start=1):
                    if not line.endswith(b"\n"):
                        break
                    complete += len(line)
                    if line.strip():
                        done.add(self._key(line, lineno))
            if complete < self.path.stat().st_size:
                os.truncate(self.path, complete)
        except OSError as exc:
            raise InputError(f"{self.path}: cannot read file ({exc.strerror or exc})"
                             ) from None
        return done

    def _key(self, line: bytes, lineno: int) -> str:
        try:
            doc = json.loads(line)
        except ValueError:
            doc = None
        if isinstance(doc, dict) and doc.get("id") is None and type(doc.get("line")) is int:
            return f"line:{doc['line']}"
        if isinstance(doc, dict) and type(doc.get("id")) in (str, int):
            return _id_key(doc["id"])
        raise InputError(f"{self.path}: line {lineno} is not a result line of exactid batch; "
                         "remove it, or write the results to another file")

    def append(self, text: str) -> None:
        """Write one line with SIGINT and SIGTERM held back meanwhile, so that an
        interruption never leaves part of a line; sync the file to disk when the last sync
        is SYNC_SECONDS old (a sync per line would cost more than a small job)."""
        data = memoryview((text + "\n").encode("utf-8"))
        with _signals_held():
            while data:
                data = data[os.write(self.fd, data):]
        if time.monotonic() >= self.synced + SYNC_SECONDS:
            os.fsync(self.fd)
            self.synced = time.monotonic()

    def close(self) -> None:
        try:
            os.fsync(self.fd)
        finally:
            os.close(self.fd)


@contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM are delivered only at the end of the block."""
    held = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """SIGTERM raises :class:`Terminated` between two Python steps instead of ending the
    process at once (which may cut a line in the middle of its write): ``exactid.interrupt``
    answers Ctrl-C by sending SIGTERM to the process running the command."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# ---------------------------------------------------------------------------- the batch

def run_batch(jobs: str | os.PathLike, out: str | os.PathLike, *, workers: int | None = 1,
              scheduler: Any = None, progress: Progress | None = None) -> BatchSummary:
    """Run the jobs of a JSON-lines file and append one result line per job to ``out``.

    Parameters
    ----------
    jobs : the jobs file, one JSON object per line (docs/batch.md).
    out : the results file; jobs whose id already has a line there are skipped.
    workers : local worker processes (None: all cores; 1: this process).
    scheduler : the address of a Dask scheduler or a ``dask.distributed.Client``.
    progress : called with lines such as ``"12 of 40 jobs done"``, at most every 2 s.

    Returns
    -------
    A :class:`BatchSummary`.

    Raises
    ------
    InputError : JOBS cannot be read, RESULTS cannot be written or holds a line that is
        not a result line, or the workers or the scheduler are unusable.
    ExactidError : a worker process died (``exactid.parallel``); the lines written so far
        are complete.
    Terminated : SIGTERM arrived; the lines written so far are complete.

    Example
    -------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "jobs.jsonl").write_text(
    ...     '{"id": 1, "command": "equiv", "network": "examples/identify/e1/network.json",'
    ...     ' "b": "examples/identify/e1/counterexample.json"}\\n{"id": 2, "command": "?"}\\n')
    >>> run_batch(folder / "jobs.jsonl", folder / "results.jsonl")
    BatchSummary(jobs=2, skipped=0, ok=1, failed=1)
    >>> run_batch(folder / "jobs.jsonl", folder / "results.jsonl").skipped
    2
    """
    from .parallel import imap_jobs

    if workers is not None and (type(workers) is not int or workers < 1):
        raise InputError(f"--workers must be a positive integer, not {workers}")
    if Path(jobs).resolve() == Path(out).resolve():
        raise InputError(f"{out}: the results file cannot be the jobs file")
    entries = read_jobs(jobs)
    with _sigterm_raises():
        results = _Results(out)
        try:
            todo = [entry for entry in entries if entry.key not in results.done]
            ok = failed = 0
            finished = imap_jobs(run_job, todo, workers=workers, scheduler=scheduler,
                                 progress=progress, label="jobs") if todo else ()
            for _, (success, line) in finished:
                results.append(line)
                ok, failed = ok + success, failed + (not success)
        finally:
            results.close()
    return BatchSummary(len(entries), len(entries) - len(todo), ok, failed)
