"""Benchmark: the ``exactid local`` command against a float64 rank script, as a user meets them.

Run from the repository root::

    python benchmarks/bench_local_cli.py [--case NAME ...] [--repeat R] [--mnist]
                                         [--float-timeout T] [--exact-timeout T]
                                         [--seed S] [--out DIR]

What is measured
----------------
Each side runs as a FRESH PROCESS, end to end: interpreter start-up, imports, reading and
parsing the JSON files, the computation and the output. For each case both sides run R
times (``--repeat``, default 3), interleaved (exact, float, exact, float, ...) so that
the noise of a shared machine hits both alike; the table shows the median wall-clock time
of each side, their ratio exact/float (read the ratio: absolute times move with the load),
and the peak resident memory of each side (``ru_maxrss`` of the child from ``os.wait4``,
the largest over the R runs).

- exact: ``python -m exactid local NET.json --samples X.json --json`` (exit status 0
  required; the verdict, rank_jacobian and dimension are read from its JSON output; its
  stderr goes to the terminal, e.g. stage timings if the CLI prints them);
- float: ``python benchmarks/float_rank.py NET.json X.json``: the same files parsed with
  ``float(Fraction(s))``, the float64 parameter Jacobian by backpropagation (rows =
  (sample, output) pairs) and ``numpy.linalg.matrix_rank``.

Cases (``--case`` selects by name, repeatable; default A, A-gap, B and gap):

- ``A``: widths [10, 30, 30, 1], n = 3000 samples; target exact <= 0.5x float. As in the
  issue's case (rank 1,231 = D: locally identifiable), its samples are rationals "p/q"
  with |p| <= 100 and 1 <= q <= 50, which spread the kinks over the samples;
- ``A-gap``: A's network with A's former samples, decimals in [-1, 1]:
  rank 1,229 < D, a gap case, held to the gap target <= 1x float;
- ``B``: widths [16, 48, 48, 48, 2] (5,618 parameters), n = 3000; target <= 0.25x float;
- ``gap``: widths [10, 40, 40, 1], n = 5000 (rank-deficient: the gap between the
  theorems); target <= 1x float and exact peak memory under 2 GB;
- ``mnist`` (``--mnist`` or ``--case mnist``; run once): widths [784, 30, 30, 30, 10],
  Glorot-uniform float32 weights and uniform [-0.01, 0.01] float32 biases
  (``numpy.random.default_rng``), each float32 written exactly as "p/q"; 3000 samples of
  pixels k/255, k uniform in 0..255. It runs ``exactid local ... --certificate C`` and
  then ``exactid check C``, each timed with its peak memory, and the float side with a
  time limit (``--float-timeout``, default 900 s: its Jacobian is 30000 x 25720 float64,
  6.2 GB, and the SVD takes long); a float run over the limit is killed and reported.
  Many of its neurons are never active on these all-positive pixels, so the verdict
  comes from an activation certificate.
- ``mnist-centred`` (``--case mnist-centred``): the same, with each hidden bias the
  float32 nearest to minus the median pre-activation over the samples, so that every
  neuron switches: the locally identifiable case, proved by a 25,630 x 25,630 minor.

Weights and biases of A, B and gap are random rationals "p/q" with 1 <= |p| < 100 and
1 <= q <= 20; samples are decimals with 4 digits in [-1, 1] ("0.1234", "-0.5"), except
for A (above), from seeded ``random.Random`` generators. The files go to a temporary
directory, or to ``--out DIR`` (kept). The targets are printed next to the figures;
nothing is asserted.

As on a user's machine, the children run with Python's bytecode cache enabled (the
variable ``PYTHONDONTWRITEBYTECODE`` is removed from their environment: where it is set,
every run would compile exactid's sources again, about 50 ms), and each side runs once,
untimed, before the timed runs of a case (the cache is written, the files are read once).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from fractions import Fraction
from importlib import metadata
from typing import Any

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FLOAT_SCRIPT = os.path.join(HERE, "float_rank.py")
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
P_LIMIT = 100  # 1 <= |p| < P_LIMIT
Q_MAX = 20


@dataclass(frozen=True)
class Case:
    name: str
    widths: list[int]
    n: int
    target_ratio: float | None
    target_rss_mb: float | None = None
    samples: str = "decimal"  # "decimal": 4 digits in [-1, 1]; "rational": p/q, |p| <= 100
    seeds: str | None = None  # the name in the seeds of its random data (default: name)


CASES = {
    "A": Case("A", [10, 30, 30, 1], 3000, 0.5, samples="rational"),
    "A-gap": Case("A-gap", [10, 30, 30, 1], 3000, 1.0, seeds="A"),
    "B": Case("B", [16, 48, 48, 48, 2], 3000, 0.25),
    "gap": Case("gap", [10, 40, 40, 1], 5000, 1.0, 2048.0),
    "mnist": Case("mnist", [784, 30, 30, 30, 10], 3000, None),
    "mnist-centred": Case("mnist-centred", [784, 30, 30, 30, 10], 3000, None),
}
DEFAULT_CASES = ["A", "A-gap", "B", "gap"]


# ----------------------------------------------------------------------------- data
def n_params(widths: list[int]) -> int:
    return sum(widths[l + 1] * (widths[l] + 1) for l in range(len(widths) - 1))


def rand_rational(rng: random.Random) -> str:
    """A random non-zero "p/q" with 1 <= |p| < P_LIMIT and 1 <= q <= Q_MAX."""
    p = rng.randint(1, P_LIMIT - 1) * rng.choice((-1, 1))
    return f"{p}/{rng.randint(1, Q_MAX)}"


def rand_sample_rational(rng: random.Random) -> str:
    """A random sample coordinate "p/q" with |p| <= 100 and 1 <= q <= 50."""
    return f"{rng.randint(-100, 100)}/{rng.randint(1, 50)}"


def rand_decimal(rng: random.Random) -> str:
    """A random decimal in [-1, 1] with at most 4 digits after the point ("-0.5", "1")."""
    k = rng.randint(-10000, 10000)
    sign, k = ("-" if k < 0 else ""), abs(k)
    whole, frac = divmod(k, 10000)
    if frac == 0:
        return f"{sign}{whole}" if whole else "0"
    return f"{sign}{whole}.{frac:04d}".rstrip("0")


def network_doc(weights: list[list[list[Any]]], biases: list[list[Any]]) -> dict:
    return {"format": "exactid.network/1",
            "layers": [{"weight": w, "bias": b} for w, b in zip(weights, biases)]}


def write_json(path: str, doc: Any) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, separators=(",", ":"))


def every_neuron_switches(weights: list, biases: list, xs: np.ndarray) -> bool:
    """Whether each hidden neuron is active at some sample and inactive at another (a float64
    forward pass: this only selects test data, the verdicts are computed exactly)."""
    f = xs
    for w, b in zip(weights[:-1], biases[:-1]):
        z = f @ np.array([[float(Fraction(v)) for v in row] for row in w]).T \
            + np.array([float(Fraction(v)) for v in b])
        if not ((z > 0).any(axis=0).all() and (z < 0).any(axis=0).all()):
            return False
        f = np.maximum(z, 0)
    return True


def make_random_case(case: Case, seed: int, out: str) -> tuple[str, str]:
    """Network and samples files of a random rational case (fixed seeds). The network is
    redrawn until every hidden neuron switches on the samples, so that no neuron is never or
    always active: the verdict then comes from the ranks (C_S, Theorem 8 or the gap), as in
    the cases of the issue, not from an activation certificate."""
    ws = case.widths
    key = case.seeds or case.name
    rng = random.Random(f"{key}-samples-{seed}")
    draw = rand_sample_rational if case.samples == "rational" else rand_decimal
    xs = [[draw(rng) for _ in range(ws[0])] for _ in range(case.n)]
    x = np.array([[float(Fraction(v)) for v in row] for row in xs])
    for attempt in range(1000):
        rng = random.Random(f"{key}-net-{seed}" + (f"-{attempt}" if attempt else ""))
        weights = [[[rand_rational(rng) for _ in range(ws[l])] for _ in range(ws[l + 1])]
                   for l in range(len(ws) - 1)]
        biases = [[rand_rational(rng) for _ in range(ws[l + 1])] for l in range(len(ws) - 1)]
        if every_neuron_switches(weights, biases, x):
            break
    return write_case(case, network_doc(weights, biases), xs, out)


def exact_text(v: np.float32) -> str | int:
    """The float32 value exactly, as "p/q" (an int when it is an integer)."""
    fr = Fraction(float(v))
    return fr.numerator if fr.denominator == 1 else f"{fr.numerator}/{fr.denominator}"


def make_mnist_case(case: Case, seed: int, out: str) -> tuple[str, str]:
    """Glorot-uniform float32 network (exact rationals) and 3000 pixel vectors k/255."""
    rng = np.random.default_rng(seed)
    ws = case.widths
    weights, biases = [], []
    for l in range(len(ws) - 1):
        limit = np.sqrt(6.0 / (ws[l] + ws[l + 1]))
        w = rng.uniform(-limit, limit, size=(ws[l + 1], ws[l])).astype(np.float32)
        b = rng.uniform(-0.01, 0.01, size=ws[l + 1]).astype(np.float32)
        weights.append([[exact_text(v) for v in row] for row in w])
        biases.append([exact_text(v) for v in b])
    pixels = rng.integers(0, 256, size=(case.n, ws[0]))
    if case.name == "mnist-centred":
        # Each bias: the float32 nearest to minus the median pre-activation over the
        # samples (computed in float64 on the exact float32 weights), so that every
        # neuron is active on about half the samples: the identifiable C_S case.
        f = pixels / 255.0
        for l in range(len(ws) - 2):
            w = np.array([[float(Fraction(v)) for v in row] for row in weights[l]])
            b = (-np.median(f @ w.T, axis=0)).astype(np.float32)
            biases[l] = [exact_text(v) for v in b]
            f = np.maximum(f @ w.T + b.astype(np.float64), 0.0)
    text = {k: (0 if k == 0 else 1 if k == 255 else f"{k}/255") for k in range(256)}
    xs = [[text[k] for k in row] for row in pixels.tolist()]
    return write_case(case, network_doc(weights, biases), xs, out)


def write_case(case: Case, net: dict, xs: list, out: str) -> tuple[str, str]:
    net_path = os.path.join(out, f"{case.name}-network.json")
    xs_path = os.path.join(out, f"{case.name}-samples.json")
    write_json(net_path, net)
    write_json(xs_path, xs)
    return net_path, xs_path


# ------------------------------------------------------------------------ processes
@dataclass
class Run:
    seconds: float
    rss_mb: float
    status: int | None  # exit code; None when killed at the time limit
    stdout: str

    @property
    def timed_out(self) -> bool:
        return self.status is None


def run_process(cmd: list[str], timeout: float | None = None) -> Run:
    """Run ``cmd`` as a fresh process: wall time, peak RSS (``os.wait4``), exit status.

    stdout is captured (in a temporary file, so that no pipe can fill up); stderr goes to
    the terminal. The child gets its own process group, killed when ``timeout`` passes
    or on Ctrl-C.
    """
    killed = threading.Event()
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=None, stdin=subprocess.DEVNULL,
                                cwd=ROOT, start_new_session=True, env=CHILD_ENV)

        def kill() -> None:
            killed.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.daemon = True
            timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            kill()
            os.wait4(proc.pid, 0)
            proc.returncode = -signal.SIGKILL
            raise
        finally:
            if timer:
                timer.cancel()
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        text = out.read().decode("utf-8", errors="replace")
    code = None if killed.is_set() else proc.returncode
    return Run(seconds, usage.ru_maxrss / 1024.0, code, text)  # ru_maxrss: KiB on Linux


def exact_cmd(net: str, xs: str, cert: str | None = None) -> list[str]:
    """The exact command; with a certificate (the MNIST-shaped cases, run once) also
    ``--progress``, whose stderr lines give the elapsed time at the end of each stage."""
    cmd = [sys.executable, "-m", "exactid", "local", net, "--samples", xs, "--json"]
    return cmd + (["--certificate", cert, "--progress"] if cert else [])


def float_cmd(net: str, xs: str) -> list[str]:
    return [sys.executable, FLOAT_SCRIPT, net, xs]


def describe_failure(run: Run, program: str, limit: float | None) -> str | None:
    """None when ``run`` succeeded, else why it did not (time limit, signal, exit status)."""
    if run.timed_out:
        return f"{program} did not finish in {limit:g} s"
    if run.status == 0:
        return None
    if run.status < 0:
        return f"{program} killed by signal {signal.Signals(-run.status).name}"
    return f"{program} exited with status {run.status}"


def parse_last_json(run: Run) -> dict:
    """The JSON document printed by a child (the whole output, else its last line)."""
    try:
        return json.loads(run.stdout)
    except json.JSONDecodeError:
        return json.loads(run.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- output
def fmt(v: float | None, digits: int = 2) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def rank_text(doc: dict | None) -> str:
    """The exact rank_jacobian, "-" when not pinned (e.g. decided by an activation
    certificate, where the CLI prints null) or when there is no document."""
    rank = None if doc is None else doc.get("rank_jacobian")
    return "-" if rank is None else str(rank)


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths)))


def target_text(case: Case) -> str:
    text = f"<= {case.target_ratio:g}x"
    if case.target_rss_mb is not None:
        text += f", RSS < {case.target_rss_mb / 1024:g} GB"
    return text


def target_met(case: Case, ratio: float, exact_rss: float) -> str:
    met = ratio <= case.target_ratio
    if case.target_rss_mb is not None:
        met = met and exact_rss < case.target_rss_mb
    return "yes" if met else "no"


# ------------------------------------------------------------------------- sections
def run_case(case: Case, seed: int, repeat: int, out: str,
             exact_timeout: float | None) -> tuple[list[str], list[str]]:
    """R interleaved runs of each side; the table row and notes."""
    params = n_params(case.widths)
    t0 = time.perf_counter()
    net, xs = make_random_case(case, seed, out)
    print(f"[{case.name}] widths={case.widths} params={params} n={case.n} "
          f"(files written in {time.perf_counter() - t0:.1f} s)", flush=True)
    exact_runs, float_runs, notes = [], [], []
    exact_doc = float_doc = None
    run_process(exact_cmd(net, xs), exact_timeout)  # warm-up, untimed (module docstring)
    run_process(float_cmd(net, xs))
    for i in range(repeat):
        run = run_process(exact_cmd(net, xs), exact_timeout)
        failure = describe_failure(run, "exactid local", exact_timeout)
        tag = f"[{case.name}]   run {i + 1}/{repeat}"
        if failure:
            print(f"{tag} exact {run.seconds:.2f} s {run.rss_mb:.0f} MB  {failure}", flush=True)
            notes.append(f"{case.name}: run {i + 1}: {failure} ({run.seconds:.0f} s, "
                         f"{run.rss_mb:.0f} MB)")
        else:
            exact_doc = parse_last_json(run)
            exact_runs.append(run)
            print(f"{tag} exact {run.seconds:.2f} s {run.rss_mb:.0f} MB  "
                  f"verdict={exact_doc['verdict']} rank={rank_text(exact_doc)}",
                  flush=True)
        run = run_process(float_cmd(net, xs))
        failure = describe_failure(run, "float_rank.py", None)
        if failure:
            print(f"{tag} float {run.seconds:.2f} s {run.rss_mb:.0f} MB  {failure}", flush=True)
            notes.append(f"{case.name}: run {i + 1}: {failure}")
        else:
            float_doc = parse_last_json(run)
            float_runs.append(run)
            print(f"{tag} float {run.seconds:.2f} s {run.rss_mb:.0f} MB  "
                  f"rank={float_doc['rank']}", flush=True)
    t_exact = statistics.median(r.seconds for r in exact_runs) if exact_runs else None
    t_float = statistics.median(r.seconds for r in float_runs) if float_runs else None
    rss_exact = max((r.rss_mb for r in exact_runs), default=None)
    rss_float = max((r.rss_mb for r in float_runs), default=None)
    ratio = None if t_exact is None or t_float is None else t_exact / t_float
    ed = exact_doc or {}
    row = [case.name, str(case.widths), str(params), str(case.n), fmt(t_exact), fmt(t_float),
           fmt(ratio), target_text(case),
           "-" if ratio is None else target_met(case, ratio, rss_exact),
           fmt(rss_exact, 0), fmt(rss_float, 0), str(ed.get("verdict", "-")),
           rank_text(exact_doc), str(ed.get("dimension", "-")),
           "-" if float_doc is None else str(float_doc["rank"])]
    if exact_doc is not None and exact_doc["params"] != params:
        notes.append(f"{case.name}: exactid counts {exact_doc['params']} parameters, "
                     f"not {params}")
    if float_doc is not None and float_doc["params"] != params:
        notes.append(f"{case.name}: float_rank.py counts {float_doc['params']} parameters, "
                     f"not {params}")
    if exact_doc is not None and float_doc is not None \
            and exact_doc.get("rank_jacobian") not in (None, float_doc["rank"]):
        notes.append(f"{case.name}: exact rank {exact_doc['rank_jacobian']} != float rank "
                     f"{float_doc['rank']}")
    notes += [f"{case.name}: warning: {w}" for w in ed.get("warnings", [])]
    return row, notes


def run_cases(cases: list[Case], seed: int, repeat: int, out: str,
              exact_timeout: float | None) -> None:
    print(f"== exactid local vs float_rank.py, fresh processes, median of {repeat} "
          "interleaved runs (times in s, peak RSS in MB = max over the runs)")
    print()
    rows, notes = [], []
    for case in cases:
        row, case_notes = run_case(case, seed, repeat, out, exact_timeout)
        rows.append(row)
        notes += case_notes
    print()
    print_table(["case", "widths", "params", "n", "exact s", "float s", "exact/float",
                 "target", "met", "exact MB", "float MB", "verdict", "exact rank", "D",
                 "float rank"], rows)
    for note in notes:
        print("note:", note)
    print()


def run_mnist(case: Case, seed: int, out: str, float_timeout: float,
              exact_timeout: float | None) -> None:
    print(f"== {case.name}: widths={case.widths} params={n_params(case.widths)} n={case.n} "
          "(one run each, fresh processes)")
    t0 = time.perf_counter()
    net, xs = make_mnist_case(case, seed, out)
    print(f"[mnist] files written in {time.perf_counter() - t0:.1f} s "
          f"({os.path.getsize(net) / 2**20:.1f} MB network, "
          f"{os.path.getsize(xs) / 2**20:.1f} MB samples)", flush=True)
    cert = os.path.join(out, "mnist-certificate.json")
    rows = []
    print("[mnist] exactid local --certificate ...", flush=True)
    local = run_process(exact_cmd(net, xs, cert), exact_timeout)
    failure = describe_failure(local, "exactid local", exact_timeout)
    if failure:
        result = failure
    else:
        doc = parse_last_json(local)
        result = f"{doc['verdict']}, rank {rank_text(doc)} of D = {doc['dimension']}"
    rows.append(["exactid local", fmt(local.seconds), fmt(local.rss_mb, 0), result])
    print(f"[mnist]   {local.seconds:.2f} s {local.rss_mb:.0f} MB {result}", flush=True)
    if not failure:
        print("[mnist] exactid check ...", flush=True)
        check = run_process([sys.executable, "-m", "exactid", "check", cert, "--json"])
        if check.status in (0, 1):
            cdoc = parse_last_json(check)
            result = f"{'valid' if cdoc['valid'] else 'INVALID'} ({cdoc['verdict']})"
        else:
            result = describe_failure(check, "exactid check", None)
        rows.append(["exactid check", fmt(check.seconds), fmt(check.rss_mb, 0), result])
        print(f"[mnist]   {check.seconds:.2f} s {check.rss_mb:.0f} MB {result}", flush=True)
    print(f"[mnist] float_rank.py (limit {float_timeout:g} s) ...", flush=True)
    flt = run_process(float_cmd(net, xs), float_timeout)
    ffail = describe_failure(flt, "float_rank.py", float_timeout)
    if ffail:
        shown = f"> {float_timeout:g}" if flt.timed_out else fmt(flt.seconds)
        rows.append(["float_rank.py", shown, fmt(flt.rss_mb, 0), ffail])
        print(f"[mnist]   {ffail} ({flt.rss_mb:.0f} MB)", flush=True)
    else:
        fdoc = parse_last_json(flt)
        rows.append(["float_rank.py", fmt(flt.seconds), fmt(flt.rss_mb, 0),
                     f"rank {fdoc['rank']} ({fdoc['rows']} x {fdoc['params']})"])
        print(f"[mnist]   {flt.seconds:.2f} s {flt.rss_mb:.0f} MB rank={fdoc['rank']}",
              flush=True)
    print()
    print_table(["process", "wall s", "peak MB", "result"], rows)
    if not failure and not ffail:
        print(f"ratio exact/float (exactid local alone): {local.seconds / flt.seconds:.2f}")
    print()


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--case", action="append", choices=sorted(CASES),
                    help="case to run (repeatable; default: " + ", ".join(DEFAULT_CASES) + ")")
    ap.add_argument("--repeat", type=int, default=3, help="runs per side (median of)")
    ap.add_argument("--mnist", action="store_true", help="add the mnist case (one run)")
    ap.add_argument("--float-timeout", type=float, default=900.0,
                    help="time limit of the mnist float run (s, default 900)")
    ap.add_argument("--exact-timeout", type=float, default=None,
                    help="time limit of each exact run (s, default none)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random data")
    ap.add_argument("--out", help="write the generated files to DIR and keep them "
                    "(default: a temporary directory, removed at the end)")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    names = list(dict.fromkeys(args.case or DEFAULT_CASES))
    if args.mnist and "mnist" not in names:
        names.append("mnist")

    print(f"python {platform.python_version()}, numpy {np.__version__}, python-flint "
          f"{package_version('python-flint')}, exactid {package_version('exactid')}, "
          f"{os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable), "
          f"{platform.machine()}, seed {args.seed}, repeat {args.repeat}")
    print()
    with tempfile.TemporaryDirectory(prefix="exactid-bench-") as tmp:
        out = tmp
        if args.out:
            out = args.out
            os.makedirs(out, exist_ok=True)
        random_cases = [CASES[n] for n in names if not n.startswith("mnist")]
        if random_cases:
            run_cases(random_cases, args.seed, args.repeat, out, args.exact_timeout)
        for name in names:
            if name.startswith("mnist"):
                run_mnist(CASES[name], args.seed, out, args.float_timeout,
                          args.exact_timeout)


if __name__ == "__main__":
    main()
