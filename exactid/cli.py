"""Command line: argument parsing and rendering only; the mathematics lives in the library.

Exit status: 0 when the command ran (whatever the verdict); 1 when ``exactid check``
rejects a certificate; 2 for usage and input errors (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from .errors import CertificationError, ExactidError
from .numbers import format_rational

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"exactid: {message} (see '{self.prog} --help')\n")


class _Version(argparse.Action):
    """--version: the installed package's version, looked up only when asked for (the
    metadata lookup would slow down every start)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> NoReturn:
        from importlib import metadata

        try:
            version = metadata.version("exactid")
        except metadata.PackageNotFoundError:
            version = "unknown (not installed; run 'pip install -e .')"
        print(f"exactid {version}")
        parser.exit()


_WORKED = "examples/worked-2-3-2-1"
_KINK = "examples/kink-1-2-1"
_E1 = "examples/identify/e1"
_E6 = "examples/identify/e6"
_NETWORK_HELP = ("the network: an exactid.network/1 JSON file, or a model file (.onnx, "
                 ".safetensors, .npz, .npy, .pt; see --format)")
_SAMPLES_HELP = ("the sample X: a JSON array of arrays, a CSV file with one sample per "
                 "line, or a .npy/.npz array with one sample per row")
_DOMAIN_HELP = "the domain: an exactid.domain/1 JSON file (a polytope {x : A x <= b})"
_JSON_HELP = "print one JSON object on stdout instead of the text report"
_SEED_HELP = ("seed of the random primes, for reproducible certificates (default: drawn from "
              "the operating system)")


def _examples(*commands: str) -> str:
    """The epilog of a help text: example invocations, run from the repository root."""
    return "examples (from the repository root):\n" + "\n".join(f"  {c}" for c in commands)


class _Skipped:
    """Stands for the parser of a subcommand not being run (``_parser(command)``)."""

    def add_argument(self, *args: Any, **kwargs: Any) -> None:
        pass


def _command(sub: Any, name: str, help: str, *examples: str) -> Any:
    """A subcommand whose help ends with example invocations."""
    if getattr(sub, "only", None) not in (None, name):
        return _Skipped()
    return sub.add_parser(name, help=help, description=help[:1].upper() + help[1:] + ".",
                          epilog=_examples(*examples),
                          formatter_class=argparse.RawDescriptionHelpFormatter)


def _progress_option(parser: argparse.ArgumentParser) -> None:
    """--progress / --no-progress: stage lines on stderr (the default when stderr is a
    terminal; never on stdout)."""
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="print each step and its time on stderr (default: when stderr "
                        "is a terminal)")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number of workers, not {text!r}")
    return value


def _parallel_options(parser: argparse.ArgumentParser) -> None:
    """--workers / --scheduler: the region enumeration in worker processes or on a Dask
    cluster (exactid.parallel); the output is the same for every choice."""
    parser.add_argument("--workers", type=_positive, metavar="N", default=None,
                        help="enumerate regions in N worker processes (default: all cores; "
                        "1: this process alone); the output does not depend on N")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="send the same work to the "
                        "Dask cluster of this scheduler (tcp://host:8786; pip install "
                        "'exactid[dask]')")


def _parallel(args: argparse.Namespace) -> dict[str, Any]:
    return {"workers": args.workers, "scheduler": args.scheduler}


_FORMATS = ("onnx", "safetensors", "npz", "npy", "pt")


def _model_options(parser: argparse.ArgumentParser) -> None:
    """--format and --layout for the network files of a command (docs/models.md)."""
    parser.add_argument("--format", choices=_FORMATS,
                        help="format of the model file(s) given as networks (default: from "
                        "the file name; a .json file is always an exactid.network/1 document)")
    parser.add_argument("--layout", choices=("out-in", "in-out"),
                        help="weights stored (out, in) or (in, out) in those model files "
                        "(default: the format's convention; for .npz the one the shapes allow)")


def _network(args: argparse.Namespace, path: str) -> Any:
    """The network in ``path``, honouring --format and --layout (not for .json files)."""
    return load_network(path, getattr(args, "format", None), getattr(args, "layout", None))


def load_network(path: str, format: str | None = None, layout: str | None = None) -> Any:
    """The network in the file ``path``: a .json file is always an exactid.network/1
    document; any other file is a model read with ``format`` and ``layout`` (--format,
    --layout; docs/models.md)."""
    from .formats import read_network

    if str(path).lower().endswith(".json"):
        return read_network(path)
    return read_network(path, format=format, layout=layout)


def require_hidden_layer(net: Any, name: str, command: str | None = None) -> None:
    """InputError unless ``net`` (named ``name``) has a hidden layer; ``command`` is named
    in the message when given."""
    if net.depth < 2:
        raise_input(f"{name}: the network has no hidden layer" + (
            f"; '{command}' needs at least one hidden ReLU layer" if command else ""))


def require_dimension(domain: Any, domain_name: str, net: Any, net_name: str | None = None
                      ) -> None:
    """InputError unless the domain has the dimension of the network's inputs (the message
    names the network when ``net_name`` is given)."""
    if domain.dim != net.n_inputs:
        raise_input(f"{domain_name}: the domain has dimension {domain.dim}, "
                    f"{net_name or 'the network'} expects {net.n_inputs} inputs")


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command-line parser; with ``command``, that subcommand's parser only (building
    all of them takes about 10 ms, a twentieth of a short ``exactid local`` run)."""
    p = _Parser(prog="exactid", description="Exact, certified identifiability verdicts for "
                "ReLU networks with rational weights.", epilog=_examples(
                    f"exactid local {_WORKED}/network.json --samples {_WORKED}/samples.json",
                    "exactid local --help"),
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action=_Version, help="print the version and exit")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser,
                           metavar="COMMAND", title="commands", help="the command to run; "
                           "'exactid COMMAND --help' shows its options and examples")
    sub.only = command  # type: ignore[attr-defined]
    loc = _command(sub, "local", "local identifiability from a finite sample",
                   f"exactid local {_WORKED}/network.json --samples {_WORKED}/samples.json",
                   f"exactid local {_WORKED}/network.json --samples {_WORKED}/samples.json "
                   "--json --certificate cert.json")
    _model_options(loc)
    loc.add_argument("network", help=_NETWORK_HELP)
    loc.add_argument("--samples", required=True, help=_SAMPLES_HELP)
    loc.add_argument("--json", action="store_true", help=_JSON_HELP)
    loc.add_argument("--certificate", metavar="OUT", help="write a certificate to OUT "
                     "(re-verify it with 'exactid check OUT')")
    loc.add_argument("--seed", type=int, default=None, help=_SEED_HELP)
    loc.add_argument("--float-check", action="store_true",
                     help="also compute numpy's float64 rank of the same Jacobian "
                     "(float_rank_jacobian; off by default: it never changes the verdict)")
    loc.add_argument("--no-float-check", action="store_true",
                     help="skip the float64 cross-check (the default; kept for old scripts)")
    _progress_option(loc)
    ev = _command(sub, "eval", "exact outputs and activation patterns",
                  f"exactid eval {_KINK}/network.json --samples {_KINK}/samples.json")
    _model_options(ev)
    ev.add_argument("network", help=_NETWORK_HELP)
    ev.add_argument("--samples", required=True, help=_SAMPLES_HELP)
    ev.add_argument("--json", action="store_true", help=_JSON_HELP)
    eq = _command(sub, "equiv", "equivalence up to permutation and positive rescaling",
                  f"exactid equiv {_E1}/network.json {_E1}/counterexample.json")
    _model_options(eq)
    eq.add_argument("a", help="the first network")
    eq.add_argument("b", help="the second network")
    eq.add_argument("--json", action="store_true", help=_JSON_HELP)
    ch = _command(sub, "check", "re-verify a certificate with the independent checker",
                  "exactid check proofs/worked-2-3-2-1.cert.json")
    ch.add_argument("certificate", help="the certificate file (written by --certificate)")
    ch.add_argument("--json", action="store_true", help=_JSON_HELP)
    reg = _command(sub, "regions", "activation regions inside a polytope domain",
                   f"exactid regions {_E6}/network.json --domain {_E6}/domain.json",
                   f"exactid regions {_E6}/network.json --domain {_E6}/domain.json "
                   "--summary --plot regions.png")
    _model_options(reg)
    reg.add_argument("network", help=_NETWORK_HELP)
    reg.add_argument("--domain", required=True, help=_DOMAIN_HELP)
    reg.add_argument("--json", action="store_true", help=_JSON_HELP)
    reg.add_argument("--summary", action="store_true", help="print the counts and the "
                     "degeneracies only, not the list of regions")
    reg.add_argument("--graphml", metavar="OUT", help="write the adjacency graph as GraphML")
    reg.add_argument("--plot", metavar="PNG", help="draw the regions, numbered as in the "
                     "listing (2-D inputs; needs matplotlib: pip install 'exactid[plot]')")
    reg.add_argument("--certificate", metavar="OUT", help="write a region certificate to OUT")
    _progress_option(reg)
    _parallel_options(reg)
    df = _command(sub, "diff", "exact comparison of two networks on a domain",
                  f"exactid diff {_E1}/network.json {_E1}/counterexample.json "
                  f"--domain {_E1}/domain.json")
    _model_options(df)
    df.add_argument("a", help="the first network, A")
    df.add_argument("b", help="the second network, B (same inputs and outputs as A)")
    df.add_argument("--domain", required=True, help=_DOMAIN_HELP)
    df.add_argument("--json", action="store_true", help=_JSON_HELP)
    _progress_option(df)
    _parallel_options(df)
    idf = _command(sub, "identify", "identifiability from the function on a domain",
                   f"exactid identify {_E6}/network.json --domain {_E6}/domain.json",
                   f"exactid identify {_E1}/network.json --domain {_E1}/domain.json "
                   "--certificate cert.json")
    _model_options(idf)
    idf.add_argument("network", help=_NETWORK_HELP)
    idf.add_argument("--domain", required=True, help=_DOMAIN_HELP)
    idf.add_argument("--json", action="store_true", help=_JSON_HELP)
    idf.add_argument("--certificate", metavar="OUT", help="write a certificate to OUT "
                     "(re-verify it with 'exactid check OUT')")
    idf.add_argument("--seed", type=int, default=None, help=_SEED_HELP)
    _progress_option(idf)
    _parallel_options(idf)
    ds = _command(sub, "design-sample", "a small sample in a domain for the local test",
                  f"exactid design-sample {_E6}/network.json --domain {_E6}/domain.json "
                  "--out X.json")
    _model_options(ds)
    ds.add_argument("network", help=_NETWORK_HELP)
    ds.add_argument("--domain", required=True, help=_DOMAIN_HELP)
    ds.add_argument("--out", metavar="X.json", help="write the sample to X.json (or CSV "
                    "when the name ends with .csv)")
    ds.add_argument("--json", action="store_true", help=_JSON_HELP)
    ds.add_argument("--seed", type=int, default=None, help=_SEED_HELP)
    _progress_option(ds)
    _parallel_options(ds)
    cc = _command(sub, "crosscheck", "exact rank of the reduced Jacobian against the "
                  "ranks float tools report for it, under rescalings too",
                  f"exactid crosscheck {_WORKED}/network.json --samples "
                  f"{_WORKED}/samples.json")
    _model_options(cc)
    cc.add_argument("network", help=_NETWORK_HELP)
    cc.add_argument("--samples", required=True, help=_SAMPLES_HELP)
    cc.add_argument("--json", action="store_true", help=_JSON_HELP)
    cc.add_argument("--seed", type=int, default=None, help=_SEED_HELP)
    _progress_option(cc)
    al = _command(sub, "align", "match a float estimate B to A (permutations and "
                  "positive scalings) and measure the exact error",
                  f"exactid align {_E1}/network.json {_E1}/counterexample.json",
                  f"exactid align {_E1}/network.json {_E1}/counterexample.json "
                  f"--domain {_E1}/domain.json")
    _model_options(al)
    al.add_argument("a", help="the reference network A")
    al.add_argument("b", help="the estimate B of A (an extracted or re-trained copy)")
    al.add_argument("--domain", help="exactid.domain/1 JSON file: also give the exact "
                    "max |f_A - f_B| there and a point attaining it")
    al.add_argument("--json", action="store_true", help=_JSON_HELP)
    _smooth_parsers(sub)
    imp = _command(sub, "import", "read a trained model (ONNX, safetensors, npz, npy, "
                   "PyTorch state_dict) into an exactid.network/1 file, floats exactly",
                   "exactid import examples/models/worked-2-3-2-1.npz --out net.json",
                   "exactid import examples/models/worked-2-3-2-1.npz --out net.json "
                   "--rationalize 1000")
    imp.add_argument("model", help="the model file (.onnx, .safetensors, .npz, .npy, .pt, "
                     ".pth; docs/models.md)")
    imp.add_argument("--out", required=True, metavar="NET.json",
                     help="the exactid.network/1 file to write")
    imp.add_argument("--format", choices=_FORMATS,
                     help="the model format (default: from the file name)")
    imp.add_argument("--layout", choices=("out-in", "in-out"),
                     help="weights stored (out, in) or (in, out) (default: the format's "
                     "convention; for .npz the one the shapes allow)")
    imp.add_argument("--rationalize", type=int, metavar="DEN",
                     help="round each parameter to the nearest rational with denominator "
                     "<= DEN and report the exact largest change")
    imp.add_argument("--domain", metavar="D", help="exactid.domain/1 JSON file: with "
                     "--rationalize, also the exact max |f - f~| on D and a point attaining it")
    imp.add_argument("--json", action="store_true", help=_JSON_HELP)
    bt = _command(sub, "batch", "run many jobs (local, identify, regions, diff, equiv, "
                  "design-sample) from a JSON-lines file, one result line each; re-running "
                  "resumes",
                  "exactid batch examples/batch/jobs.jsonl --out results.jsonl",
                  "exactid batch examples/batch/jobs.jsonl --out results.jsonl --workers 2 "
                  "--progress",
                  "exactid batch examples/batch/jobs.jsonl --out results.jsonl --scheduler "
                  "tcp://127.0.0.1:8786")
    bt.add_argument("jobs", metavar="JOBS.jsonl", help="the jobs, one JSON object per line: "
                    '{"id": ..., "command": ..., "network": ..., ...} with the fields of '
                    "docs/batch.md (paths or inline documents)")
    bt.add_argument("--out", required=True, metavar="RESULTS.jsonl",
                    help="the results file: one line per job is appended, with the "
                    "command's --json object or a one-line error; jobs whose id is already "
                    "there are skipped")
    bt.add_argument("--workers", type=_positive, metavar="N", default=None,
                    help="jobs run in N worker processes at once (default: all cores; 1: "
                    "one after the other, results in the order of JOBS)")
    bt.add_argument("--scheduler", metavar="ADDRESS", help="run the jobs on the Dask "
                    "cluster of this scheduler (tcp://host:8786; pip install "
                    "'exactid[dask]'); paths must be readable by its workers")
    bt.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                    help="print the jobs done so far on stderr every few seconds (default: "
                    "when stderr is a terminal)")
    _command(sub, "demo", "run the local verdict on the embedded example of "
                          "docs/theory/local.md §13.1",
             "exactid demo")
    return p


def main(argv: Sequence[str] | None = None, *, isolate: bool = False) -> int:
    """Run the command of ``argv`` (default: the process's arguments); return its exit
    status.

    With ``isolate`` (the console script and ``python -m exactid``) the command runs in a
    child process, so that Ctrl-C stops it within a fraction of a second even inside a
    long FLINT or BLAS call (``exactid.interrupt``); help, --version and usage errors are
    answered before that. Tests call ``main([...])`` in-process.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser(argv[0] if argv and argv[0] in _COMMANDS else None).parse_args(argv)
    if isolate:
        from .interrupt import run_isolated

        return run_isolated(lambda: _run(args), _output_paths(args))
    return _run(args)


def entry_point() -> int:
    """The ``exactid`` console script: :func:`main` with the command isolated."""
    return main(isolate=True)


def _output_paths(args: argparse.Namespace) -> list[str]:
    """The files the command was asked to write."""
    if args.command == "check":  # there, 'certificate' is the input
        return []
    return [getattr(args, name) for name in ("plot", "graphml", "certificate", "out")
            if getattr(args, name, None)]


def _run(args: argparse.Namespace) -> int:
    """Run a parsed command: input errors become one line on stderr and exit 2."""
    try:
        outputs = _output_paths(args)
        if outputs:
            from .formats import check_writable

            for path in outputs:
                check_writable(path)  # before any output is written
        return _COMMANDS[args.command](args)
    except ExactidError as exc:
        print(f"exactid: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("exactid: interrupted", file=sys.stderr)
        return 130


def _print_json(obj: Any) -> None:
    from .formats import dump_json

    print(dump_json(obj))


def _stage_clock(args: argparse.Namespace) -> Callable[[str], None]:
    """A progress callback printing each finished step and its time on stderr: with
    --progress, or without --no-progress when stderr is a terminal."""
    import time

    enabled = sys.stderr.isatty() if args.progress is None else args.progress

    last = [time.perf_counter()]

    def report(step: str) -> None:
        now = time.perf_counter()
        if enabled:
            print(f"exactid: {step} ({now - last[0]:.1f} s)", file=sys.stderr, flush=True)
        last[0] = now

    return report


def _cmd_local(args: argparse.Namespace) -> int:
    from .formats import dump_json, read_samples, write_text_atomic
    from .verdicts import local_verdict

    net = _network(args, args.network)
    require_hidden_layer(net, args.network, "local")
    progress = _stage_clock(args)
    samples = read_samples(args.samples, net.n_inputs)
    progress(f"read {len(samples)} samples")
    result = local_verdict(net, samples, seed=args.seed,
                           certificate=bool(args.certificate),
                           float_check=args.float_check and not args.no_float_check,
                           progress=progress)
    progress(f"verdict: {result.verdict}")
    if args.certificate:
        write_text_atomic(args.certificate, dump_json(result.certificate) + "\n")
        _wrote(args.certificate)
    if args.json:
        _print_json(local_json(result, args.network, args.samples))
    else:
        print(render_local(result, args.network, args.samples, args.certificate))
    return 0


def local_json(result: Any, network: str = "NET", samples: str = "X.json") -> dict:
    """The object ``exactid local --json`` prints: the result's fields, with next steps
    naming the network and sample files (``exactid.explain``)."""
    from .explain import explain_local

    steps = explain_local(result, network, samples).next_steps
    return {**result.to_json(), "next_steps": list(steps)}


def _wrote(path: str) -> None:
    """Announce a written file on stderr (stdout may be a --json document)."""
    print(f"exactid: wrote {path}", file=sys.stderr, flush=True)


def raise_input(message: str) -> NoReturn:
    from .errors import InputError

    raise InputError(message)


def render_local(result: Any, net_name: str, samples_name: str,
                 certificate: str | None = None, files: bool = True) -> str:
    """The human-readable report of a local verdict, with its explanation
    (``exactid.explain``); ``files``: the names are file names the suggested commands may
    use (otherwise they say NET and X.json)."""
    from .explain import explain_local

    rows = [
        ("network", net_name),
        ("samples", samples_name),
        ("parameters (Npar)", result.params),
        ("hidden neurons (H)", result.hidden),
        ("dimension D = Npar - H", result.dimension),
        ("samples n", result.samples),
        ("outputs N_L", result.outputs),
        ("paths |P|", result.paths),
        ("sample-size bound ceil(D/N_L)", result.sample_bound),
        ("pattern bound on rank alpha", _dash(result.pattern_bound)),
        ("rank Gamma (exact)", _dash(result.rank_jacobian)),
        ("rank Gamma (numpy float64)", _dash(result.float_rank_jacobian)),
        ("R_A = N_L rank G (exact)", _dash(result.rank_activation)),
    ]
    width = max(len(k) for k, _ in rows)
    lines = ["exactid local identifiability report", ""]
    lines += [f"  {k:<{width}}  {v}" for k, v in rows]
    lines += ["", "  activation counts (samples where z > 0), per hidden layer:"]
    for l, counts in enumerate(result.activation_counts):
        lines.append(f"    layer {l}: " + " ".join(str(c) for c in counts))
    lines += ["", f"  VERDICT: {result.verdict}", f"  backed by: {result.theorem}", ""]
    lines += [f"  - {r}" for r in result.reasons]
    lines += [f"  WARNING: {w}" for w in result.warnings]
    lines += _explanation_lines(explain_local(
        result, *((net_name, samples_name) if files else ())))
    if certificate:
        lines.append(f"\n  certificate written to {certificate}; re-verify with "
                     f"'exactid check {certificate}'")
    return "\n".join(lines)


def _dash(v: Any) -> str:
    return "-" if v is None else str(v)


def _explanation_lines(explanation: Any) -> list[str]:
    """The plain-words part of a report: what was proved, then the next steps."""
    lines = ["", "  in plain words:"] + [f"    {s}" for s in explanation.summary]
    if explanation.next_steps:
        lines += ["", "  next steps:"] + [f"    - {s}" for s in explanation.next_steps]
    return lines


def _cmd_eval(args: argparse.Namespace) -> int:
    from .formats import read_samples

    net = _network(args, args.network)
    samples = read_samples(args.samples, net.n_inputs)
    fp = net.forward(samples)
    acts = fp.activations
    kinks: dict[int, list[list[int]]] = {}
    for i, l, j in acts.zeros:
        kinks.setdefault(i, []).append([l, j])
    outputs = fp.outputs()
    patterns = [None if i in kinks else [[int(v) for v in layer[i]] for layer in acts.active]
                for i in range(len(samples))]
    if args.json:
        _print_json({
            "outputs": [[format_rational(v) for v in out] for out in outputs],
            "patterns": patterns,
            "kinks": [{"sample": i, "neurons": kinks[i]} for i in sorted(kinks)],
        })
        return 0
    for i, (x, out) in enumerate(zip(samples, outputs)):
        pat = ("on kink of " + ", ".join(f"layer {l} neuron {j}" for l, j in kinks[i])
               if i in kinks else " | ".join("".join(map(str, p)) for p in patterns[i]))
        print(f"{i:>5}  x = ({', '.join(map(format_rational, x))})  "
              f"f = ({', '.join(map(format_rational, out))})  pattern {pat}")
    return 0


def _cmd_equiv(args: argparse.Namespace) -> int:
    from .symmetry import equivalence

    result = equivalence(_network(args, args.a), _network(args, args.b))
    if args.json:
        _print_json(result.to_json())
        return 0
    if result.equivalent:
        print(f"{args.a} and {args.b} are equivalent up to permutation and positive rescaling")
        for l, (perm, lams) in enumerate(zip(result.permutations, result.scalings)):
            maps = ", ".join(f"{j}->{p} (x{format_rational(s)})"
                             for j, (p, s) in enumerate(zip(perm, lams)))
            print(f"  hidden layer {l}: {maps}")
    elif result.equivalent is False:
        print(f"{args.a} and {args.b} are NOT equivalent: {result.obstruction}")
    else:
        print(f"undecided: {result.obstruction}")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from .certificates.check import check_certificate
    from .formats import read_json

    result = check_certificate(read_json(args.certificate))
    if args.json:
        _print_json({"valid": result.valid, "verdict": result.verdict,
                     "reason": result.reason, "theorem": result.theorem,
                     "messages": list(result.messages)})
    else:
        status = "VALID" if result.valid else "INVALID"
        backing = result.theorem if result.valid else result.reason
        what = ("" if not result.verdict else " of regions" if result.verdict == "regions"
                else f" for verdict {result.verdict}" + (f" ({backing})" if backing else ""))
        print(f"{args.certificate}: {status} certificate{what}")
        for m in result.messages:
            print(f"  - {m}")
    return 0 if result.valid else 1


def _cmd_demo(args: argparse.Namespace) -> int:
    from .certificates.check import check_certificate
    from .demo import demo_network, demo_samples
    from .verdicts import local_verdict

    result = local_verdict(demo_network(), demo_samples())
    print(render_local(result, "embedded example (docs/theory/local.md §13.1, widths 2-3-2-1)",
                       "embedded 15-point sample", files=False))
    check = check_certificate(json.loads(json.dumps(result.certificate)))
    print(f"\n  certificate re-verified by the independent checker: "
          f"{'VALID' if check.valid else 'INVALID'}")
    return 0 if check.valid else 1


def _cmd_regions(args: argparse.Namespace) -> int:
    from .domain import read_domain
    from .formats import write_text_atomic
    from .regions import enumerate_regions

    net = _network(args, args.network)
    domain = read_domain(args.domain)
    require_hidden_layer(net, args.network)
    require_dimension(domain, args.domain, net)
    if args.plot and net.n_inputs != 2:
        raise_input(f"{args.network}: --plot needs a network with 2 inputs, this one has "
                    f"{net.n_inputs}")
    result = enumerate_regions(net, domain, progress=_stage_clock(args), **_parallel(args))
    certificate = None
    if args.certificate:
        from .certificates.schema import regions_certificate

        certificate = regions_certificate(net, domain, result)
    if args.plot:
        from .plot import plot_regions

        plot_regions(net, result, domain, args.plot)
        _wrote(args.plot)
    if args.graphml:
        write_text_atomic(args.graphml, _graphml(result))
        _wrote(args.graphml)
    if certificate is not None:
        from .formats import dump_json

        write_text_atomic(args.certificate, dump_json(certificate) + "\n")
        _wrote(args.certificate)
    if args.json:
        _print_json(result.to_json())
        return 0
    print(render_regions(result, args.network, args.domain, summary=args.summary))
    if certificate is not None:
        print(f"  certificate written to {args.certificate}; check it with "
              f"'exactid check {args.certificate}'")
    return 0


_LISTED = 50  # regions listed in full; beyond, the first _SHORT_LIST and a pointer to --json
_SHORT_LIST = 20


def render_regions(result: Any, net_name: str, domain_name: str, summary: bool = False
                   ) -> str:
    """The text report of ``exactid regions``: counts, the regions (all of them up to
    _LISTED, else the first _SHORT_LIST; none with ``summary``) and the degeneracies."""
    lines = [f"{result.count} full-dimensional regions, {len(result.edges)} adjacencies"]
    if result.lower_dimensional:
        lines.append(f"  lower-dimensional cells met: {len(result.lower_dimensional)}")
    shown = ([] if summary else
             result.regions if result.count <= _LISTED else result.regions[:_SHORT_LIST])
    for i, r in enumerate(shown):
        pattern = " | ".join("".join(map(str, p)) for p in r.pattern)
        lines.append(f"  region {i:>4}: pattern {pattern}  witness "
                     f"({', '.join(map(format_rational, r.witness))})  facets {len(r.facets)}")
    if len(shown) < result.count and not summary:
        lines.append(f"  ... and {result.count - len(shown)} more: 'exactid regions "
                     f"{net_name} --domain {domain_name} --json' lists them all")
    lines += [f"  degenerate: {note}" for note in result.degenerate]
    return "\n".join(lines)


def _cmd_diff(args: argparse.Namespace) -> int:
    from .compare import compare
    from .domain import read_domain

    net_a, net_b = _network(args, args.a), _network(args, args.b)
    domain = read_domain(args.domain)
    require_comparable(net_a, args.a, net_b, args.b, domain, args.domain)
    result = compare(net_a, net_b, domain, progress=_stage_clock(args), **_parallel(args))
    if args.json:
        _print_json(result.to_json())
        return 0
    if result.equal:
        print(f"{args.a} and {args.b} compute the same function on {args.domain} "
              f"(exact, {result.cells} cells of the common refinement)")
        return 0
    print(f"{args.a} and {args.b} DIFFER on {args.domain} ({result.cells} cells)")
    for k, (v, w) in enumerate(zip(result.max_abs_difference, result.witnesses)):
        where = f" at ({', '.join(map(format_rational, w))})" if w is not None else ""
        print(f"  output {k}: max |f_A - f_B| = {format_rational(v)}{where}")
    return 0


def require_comparable(net_a: Any, name_a: str, net_b: Any, name_b: str, domain: Any,
                       domain_name: str) -> None:
    """InputError unless A and B (both with a hidden layer) take the domain's inputs and
    have the same number of outputs: what ``exactid diff`` compares."""
    for name, net in ((name_a, net_a), (name_b, net_b)):
        require_hidden_layer(net, name)
        require_dimension(domain, domain_name, net, name)
    if net_a.n_outputs != net_b.n_outputs:
        raise_input(f"{name_b}: {net_b.n_outputs} outputs, {name_a} has {net_a.n_outputs}")


def _network_and_domain(args: argparse.Namespace) -> tuple[Any, Any]:
    from .domain import read_domain

    net = _network(args, args.network)
    domain = read_domain(args.domain)
    require_hidden_layer(net, args.network)
    require_dimension(domain, args.domain, net)
    return net, domain


def _checked_identify_certificate(net, domain, result) -> str | None:
    """The certificate text of an identify verdict, re-verified by the independent checker
    before it is written; None (with a line on stderr) when none can be given: the verdict
    stands, proved by the search itself, but is not certified."""
    import json

    from .certificates.check import check_certificate
    from .certificates.schema import identify_certificate
    from .formats import dump_json

    try:
        text = dump_json(identify_certificate(net, domain, result)) + "\n"
    except CertificationError as exc:
        print(f"exactid: no certificate written: {exc}", file=sys.stderr)
        return None
    checked = check_certificate(json.loads(text))
    if not checked.valid:
        print("exactid: no certificate written: the independent checker would reject it ("
              f"{'; '.join(checked.messages)})", file=sys.stderr)
        return None
    return text


def _cmd_identify(args: argparse.Namespace) -> int:
    from .domain import read_domain
    from .errors import DomainError
    from .verdicts.identify import identify, not_applicable

    net = _network(args, args.network)
    try:
        domain = read_domain(args.domain)
    except DomainError as exc:
        result = not_applicable(str(exc))
    else:
        require_dimension(domain, args.domain, net)
        result = identify(net, domain, seed=args.seed, progress=_stage_clock(args),
                          **_parallel(args))
    certificate = None
    if args.certificate and result.verdict == "not-applicable":
        print(f"exactid: no certificate written: the verdict is not-applicable "
              f"({result.reasons[0]})", file=sys.stderr)
    elif args.certificate:
        certificate = _checked_identify_certificate(net, domain, result)
        if certificate is not None:
            from .formats import write_text_atomic

            write_text_atomic(args.certificate, certificate)
            _wrote(args.certificate)
    if args.json:
        _print_json(identify_json(result, args.network, args.domain))
        return 0
    print(render_identify(result, args.network, args.domain,
                          args.certificate if certificate is not None else None))
    return 0


def identify_json(result: Any, network: str = "NET", domain: str = "D.json") -> dict:
    """The object ``exactid identify --json`` prints: the result's fields, with next steps
    naming the network and domain files (``exactid.explain``)."""
    from .explain import explain_identify

    steps = explain_identify(result, network, domain).next_steps
    return {**result.to_json(), "next_steps": list(steps)}


def render_identify(result: Any, net_name: str, domain_name: str,
                    certificate: str | None = None) -> str:
    """The human-readable report of an identify verdict: each condition with what it
    asks and who fails it, the counterexample or the designed sample, the reasons and
    the explanation (``exactid.explain``)."""
    from .explain import describe_condition, explain_identify, neuron_name
    from .formats import network_to_doc

    lines = [f"{net_name} on {domain_name}: {result.verdict.upper()}",
             f"  theorem: {result.theorem}"]
    for c in result.conditions:
        lines += [f"  {line}" for line in describe_condition(c)]
    if result.regions is not None:
        lines.append(f"  regions in the domain: {result.regions}")
    for v in result.visibility or []:
        if not v["visible"]:
            lines.append(f"  invisible kink: {neuron_name(*v['neuron'])} ({v['facets']} "
                         "facets, none visible)")
    if result.counterexample is not None:
        lines.append("  counterexample theta' (same function on the domain, not equivalent):")
        lines += [f"    {json.dumps(layer)}"
                  for layer in network_to_doc(result.counterexample)["layers"]]
    if result.sample is not None:
        lines.append(f"  designed sample: {len(result.sample)} points "
                     f"(lower bound {result.design['lower_bound']})")
    lines += [f"  - {r}" for r in result.reasons]
    lines += _explanation_lines(explain_identify(result, net_name, domain_name))
    if certificate is not None:
        lines.append(f"  certificate written to {certificate}; check it with "
                     f"'exactid check {certificate}'")
    return "\n".join(lines)


def _cmd_design(args: argparse.Namespace) -> int:
    from .design import design_sample
    from .formats import write_samples

    net, domain = _network_and_domain(args)
    result = design_sample(net, domain, seed=args.seed, progress=_stage_clock(args),
                           **_parallel(args))
    if args.out:
        write_samples(args.out, result.samples)
        _wrote(args.out)
    if args.json:
        _print_json(result.to_json())
        return 0
    print(f"designed sample: {result.size} points in {result.regions} regions "
          f"(lower bound ceil(D / N_L) = {result.lower_bound}; {result.designed} designed "
          f"points before reduction)")
    print(f"  rank of Gamma: {result.rank_jacobian} (D = {result.dimension}); local "
          f"verdict on the sample: {result.verdict}")
    if args.out:
        print(f"  written to {args.out}")
    return 0


def _cmd_batch(args: argparse.Namespace) -> int:
    import signal

    from .batch import Terminated, run_batch

    enabled = sys.stderr.isatty() if args.progress is None else args.progress
    try:
        summary = run_batch(args.jobs, args.out, workers=args.workers,
                            scheduler=args.scheduler, progress=_say if enabled else None)
    except Terminated:  # sent by exactid.interrupt, which reports it
        return 128 + signal.SIGTERM
    print(f"{args.out}: {summary.ok} ok, {summary.failed} failed, {summary.skipped} "
          f"already there (of {summary.jobs} jobs in {args.jobs})")
    return 0


def _say(line: str) -> None:
    print(f"exactid: {line}", file=sys.stderr, flush=True)


def _cmd_crosscheck(args: argparse.Namespace) -> int:
    from .crosscheck import crosscheck
    from .formats import read_samples

    net = _network(args, args.network)
    require_hidden_layer(net, args.network, "crosscheck")
    result = crosscheck(net, read_samples(args.samples, net.n_inputs), seed=args.seed,
                        progress=_stage_clock(args))
    if args.json:
        from .explain import explain_crosscheck

        steps = explain_crosscheck(result, args.network, args.samples).next_steps
        _print_json({**result.to_json(), "next_steps": list(steps)})
    else:
        print(render_crosscheck(result, args.network, args.samples))
    return 0


def render_crosscheck(result: Any, net_name: str, samples_name: str) -> str:
    """The crosscheck report: exact rank, then the float ranks (one row per tool), then
    the same tools (by their number) on the rescaled networks."""
    from .explain import explain_crosscheck

    exact = _dash(result.rank_exact)
    lines = ["exactid crosscheck: the exact rank of Gamma against float rank tools", "",
             f"  network {net_name}, samples {samples_name}",
             f"  verdict: {result.verdict}; rank Gamma (exact) = {exact}, "
             f"D = {result.dimension}", "",
             f"  {'':<4}{'method':<26} {'dtype':<8} {'tolerance':>10} {'rank':>6}  agrees"]
    for i, r in enumerate(result.float_ranks, 1):
        tol = "-" if r.tolerance is None else f"{r.tolerance:.2e}"
        agrees = {True: "yes", False: "NO", None: "-"}[r.agrees]
        lines.append(f"  [{i}] {r.method:<26} {r.dtype:<8} {tol:>10} {_dash(r.rank):>6}  "
                     f"{agrees}")
    if result.rescaling:
        lines += ["", "  rescaling stress test: every hidden layer rescaled by c, the same "
                  f"function, exact rank {exact} for every c;",
                  "  float ranks by the tools above (* where they differ from the exact rank)",
                  "", "  " + f"{'c':<7}" + "".join(f"{f'[{i}]':>7}"
                                                   for i in range(1, len(result.float_ranks) + 1))]
        for s in result.rescaling:
            cells = "".join(f"{_dash(r.rank) + ('*' if r.agrees is False else ' '):>7}"
                            for r in s.float_ranks)
            lines.append(f"  {f'10^{round(math.log10(s.factor))}':<7}{cells}".rstrip())
    total = len(result.float_ranks) * (1 + len(result.rescaling))
    lines += ["", f"  disagreements: {result.disagreements} of {total} float ranks differ from "
              "the exact rank"]
    lines += [f"  note: {n}" for n in result.notes]
    lines += _explanation_lines(explain_crosscheck(result, net_name, samples_name))
    return "\n".join(lines)


def _cmd_align(args: argparse.Namespace) -> int:
    from .align import align

    net_a, net_b = _network(args, args.a), _network(args, args.b)
    domain = None
    if args.domain:
        from .domain import read_domain

        domain = read_domain(args.domain)
        if domain.dim != net_a.n_inputs:
            raise_input(f"{args.domain}: the domain has dimension {domain.dim}, {args.a} "
                        f"expects {net_a.n_inputs} inputs")
    if net_a.widths != net_b.widths:
        raise_input(f"{args.b}: widths {list(net_b.widths)}, {args.a} has "
                    f"{list(net_a.widths)}; align needs the same widths")
    result = align(net_a, net_b, domain)
    if args.json:
        _print_json(result.to_json())
        return 0
    print(f"exactid align: {args.b} (B) against {args.a} (A)")
    for l, (perm, lams) in enumerate(zip(result.permutations, result.scalings)):
        print(f"  hidden layer {l}: neuron j of A -> neuron perm[j] of B, rescaled by s[j]")
        print(f"    perm = {list(perm)}")
        print(f"    s    = [{', '.join(f'{float(v):.6g}' for v in lams)}]")
    print("  largest relative weight error after alignment (|B - A| / max |A|, per layer):")
    for l, err in enumerate(result.max_weight_error):
        text = format_rational(err)
        exact = text if len(text) <= 40 else f"exact value of {len(text)} characters in --json"
        print(f"    layer {l}: {float(err):.6g} ({exact})")
    print("  B is exactly A after alignment (equivalent)" if result.equivalent else
          "  B differs from A after alignment")
    if result.comparison is not None:
        diff = format_rational(result.max_abs_difference)
        where = ("" if result.comparison.witness is None else " at (" + ", ".join(
            map(format_rational, result.comparison.witness)) + ")")
        print(f"  on {args.domain}: max |f_A - f_B| = {diff} "
              f"(~{float(result.max_abs_difference):.6g}){where}")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from .domain import read_domain
    from .formats import write_network
    from .formats.models import import_model

    domain = read_domain(args.domain) if args.domain else None
    model = import_model(args.model, args.format, args.layout, args.rationalize, domain)
    write_network(args.out, model.network)
    _wrote(args.out)
    if args.json:
        _print_json({**model.to_json(), "out": args.out})
    else:
        print(render_import(model, args.out, args.domain))
    return 0


def render_import(model: Any, out: str, domain_name: str | None = None) -> str:
    """The summary of ``exactid import``: shape, exactness, and what was dropped or
    rounded."""
    net, summary = model.network, model.to_json()
    rows = [("widths", "-".join(map(str, net.widths))),
            ("parameters", net.n_params),
            ("largest denominator", f"{summary['max_denominator_bits']} bits (every "
             f"denominator <= 2^{summary['max_denominator_bits']})")]
    rows += [("dropped", d) for d in model.dropped]
    r = model.rounding
    if r is None:
        rows.append(("rounded", "nothing: every float kept as its exact binary value"))
    else:
        change = summary["max_weight_change"]
        rows.append(("rounded", f"{r.changed} of {net.n_params} parameters to denominators "
                     f"<= {r.max_denominator}"))
        rows.append(("largest weight change", f"{change} (~{float(r.max_weight_change):.3g})"
                     + (f" at {r.largest_change_at}" if r.largest_change_at else "")))
        if r.max_abs_difference is not None:
            where = ("" if r.witness is None else
                     f" at ({', '.join(map(format_rational, r.witness))})")
            rows.append((f"max |f - f~| on {domain_name}",
                         f"{format_rational(r.max_abs_difference)} "
                         f"(~{float(r.max_abs_difference):.3g}){where}"))
    width = max(len(k) for k, _ in rows)
    lines = [f"imported {model.source} ({model.format}) -> {out}"]
    lines += [f"  {k:<{width}}  {v}" for k, v in rows]
    return "\n".join(lines)


_SMOOTH_NET_HELP = "the network: an exactid.smooth-network/1 JSON file (docs/smooth.md)"
_S1 = "examples/smooth-tv-s1"
_S2B = "examples/smooth-tv-s2b"
_TANH = "examples/smooth-tanh"


def _smooth_parsers(sub: Any) -> None:
    """The commands on smooth activations (docs/smooth.md, docs/theory/smooth.md)."""
    en = _command(sub, "entangled", "certified facts about the entangled weights of a "
                  "smooth network (checks X1-X8 of docs/theory/smooth.md §6-7)",
                  f"exactid entangled {_S1}/network.json --at 1/2,-1/3,1/5,1",
                  f"exactid entangled {_S2B}/network.json --count --json",
                  f"exactid entangled {_TANH}/network.json")
    en.add_argument("network", help=_SMOOTH_NET_HELP)
    en.add_argument("--at", metavar="X", help="a rational point x* = comma-separated "
                    "numbers (1/2,-1/3,...): check the Hessian identity there and report "
                    "whether Hess f_j(x*) leaves the matrix space (drift)")
    en.add_argument("--count", action="store_true", help="count the rank-one elements of "
                    "the matrix space exactly by Groebner bases (X7; polynomial "
                    "activations and D <= 6 only, a reason says so otherwise)")
    en.add_argument("--json", action="store_true", help=_JSON_HELP)
    rc = _command(sub, "recover", "estimate the entangled weights from float evaluations "
                  "(the numerical pipeline of docs/theory/smooth.md §5; float hints, to be "
                  "checked by verify-recovery)",
                  f"exactid recover {_TANH}/network.json --budget 3000 --seed 1 "
                  "--out EST.json",
                  f"exactid verify-recovery {_TANH}/network.json EST.json")
    rc.add_argument("network", help=_SMOOTH_NET_HELP + "; used as a black box and for its "
                    "architecture")
    rc.add_argument("--budget", type=int, required=True, metavar="N",
                    help="largest number of network evaluations ((D+1)(D+2)/2 per Hessian)")
    rc.add_argument("--seed", type=int, default=None, help="seed of every random choice "
                    "(locations, restarts, k-means), for reproducible estimates")
    rc.add_argument("--out", metavar="EST.json", help="write the estimates (and a network "
                    "estimate, when fitted) as an exactid.smooth-estimate/1 file")
    rc.add_argument("--json", action="store_true", help=_JSON_HELP)
    vr = _command(sub, "verify-recovery", "match estimated entangled weights with the true "
                  "ones, residuals exact or enclosed (check X9 of docs/theory/smooth.md §6)",
                  f"exactid verify-recovery {_TANH}/network.json {_TANH}/estimate.json")
    vr.add_argument("network", help=_SMOOTH_NET_HELP + " (the truth)")
    vr.add_argument("estimate", help="the exactid.smooth-estimate/1 file written by "
                    "'exactid recover --out'")
    vr.add_argument("--json", action="store_true", help=_JSON_HELP)


def _smooth_point(text: str, dim: int) -> list[Any]:
    from .numbers import parse_rational

    parts = [p for p in text.split(",") if p.strip()]
    if len(parts) != dim:
        raise_input(f"--at {text}: expected {dim} comma-separated numbers, got {len(parts)}")
    try:
        return [parse_rational(p.strip(), f"--at coordinate {k}") for k, p in enumerate(parts)]
    except ValueError as exc:
        raise_input(str(exc))


def _cmd_entangled(args: argparse.Namespace) -> int:
    from .smooth.entangled import entangled
    from .smooth.network import read_smooth_network

    net = read_smooth_network(args.network)
    at = None if args.at is None else _smooth_point(args.at, net.n_inputs)
    result = entangled(net, at=at, count=args.count)
    if args.json:
        _print_json(result.to_json())
    else:
        print(render_entangled(result, args.network))
    return 0


def _tristate(v: Any) -> str:
    return {True: "yes", False: "NO", None: "undecided"}[v]


def render_entangled(result: Any, net_name: str) -> str:
    """The text report of ``exactid entangled``."""
    doc = result.to_json()
    lines = [f"exactid entangled: {net_name} ({doc['arithmetic']})", "",
             f"  neurons m = {result.neurons}, rank W_1 = r = {result.rank_w1}, "
             f"bound min(m, r(r+1)/2) = {result.bound}",
             f"  dim WW = {_dash(result.dim_space)}", "",
             "  neuron   phi'(theta)!=0  phi''(theta)!=0  isolated (X6)  tangent rank  "
             "entangled weight"]
    for (l, i, inv), (_, _, vis), (_, _, iso), k, w in zip(
            result.invertible, result.visible, result.isolated, result.tangent_ranks,
            doc["entangled_weights"]):
        vec = ", ".join(f"{v[0]} +/- {v[1]}" if isinstance(v, list) else str(v)
                        for v in w["vector"])
        lines.append(f"  {l}:{i:<6} {_tristate(inv):<15} {_tristate(vis):<16} "
                     f"{_tristate(iso):<14} {_dash(k):<13} ({vec})")
    lines.append("")
    lines.append("  Hess f_j(0) in WW (X3): " + ", ".join(
        f"f_{j} {_tristate(v)}" for j, v in enumerate(result.hessian_in_space)))
    if result.at is not None:
        point = ", ".join(map(format_rational, result.at))
        lines.append(f"  at x* = ({point}): identity of §3 (X4): " + ", ".join(
            f"f_{j} {_tristate(v)}" for j, v in enumerate(result.identity)))
        lines.append("    Hess f_j(x*) leaves WW (X5, reported, not asserted): " + ", ".join(
            f"f_{j} {_tristate(v)}" for j, v in enumerate(result.drift)))
    lines.append(f"  reconstruction W_l = G^-1 V^+ V_l (X8): {_tristate(result.reconstruction)}")
    if result.rank_one_count is not None:
        c = result.rank_one_count
        lines.append(f"  rank-one directions in WW (X7): {_dash(c.total)} (charts "
                     f"{' + '.join(map(_dash, c.charts))}; {c.given} given, "
                     f"{len(c.spurious)} spurious)")
        for s in c.spurious:
            lines.append("    spurious ~ (" + ", ".join(f"{v:.7f}" for v in s) + ")")
    lines.append(f"  proved: {'yes' if result.proved else 'no'}")
    lines += [f"  undecided: {u}" for u in result.undecided]
    lines += [f"  - {r}" for r in result.reasons]
    return "\n".join(lines)


def _cmd_recover(args: argparse.Namespace) -> int:
    from .smooth.network import read_smooth_network
    from .smooth.recover import recover

    if args.budget < 1:
        raise_input(f"--budget {args.budget}: must be a positive number of evaluations")
    net = read_smooth_network(args.network)
    result = recover(net, args.budget, seed=args.seed)
    if args.out:
        from .formats import dump_json, write_text_atomic

        write_text_atomic(args.out, dump_json(result.to_json()) + "\n")
        _wrote(args.out)
    if args.json:
        _print_json(result.to_json())
        return 0
    gap = "-" if result.gap_float is None else f"{result.gap_float:.3g}"
    print(f"exactid recover: {args.network} (float pipeline of docs/theory/smooth.md §5 "
          "[reconstruction]; hints, not proofs)")
    print(f"  evaluations {result.evaluations} of {result.budget}, {result.hessians} "
          f"Hessians, {result.restarts} restarts, spectral gap sigma_m/sigma_m+1 = {gap}")
    for l, v in zip(result.layers, result.estimates):
        print(f"  layer {_dash(l)}: (" + ", ".join(f"{x:.6f}" for x in v) + ")")
    if result.network is not None:
        print(f"  network estimate fitted (relative residual {result.fit_residual_float:.3g})")
    for n in result.notes:
        print(f"  note: {n}")
    if args.out:
        print(f"  written to {args.out}; check with 'exactid verify-recovery {args.network} "
              f"{args.out}'")
    return 0


def _cmd_verify_recovery(args: argparse.Namespace) -> int:
    from .formats import read_json
    from .smooth.network import read_smooth_network
    from .smooth.verify import read_estimates, verify_recovery

    net = read_smooth_network(args.network)
    vectors, estimate = read_estimates(read_json(args.estimate), net.n_inputs, args.estimate)
    result = verify_recovery(net, vectors, estimate)
    if args.json:
        _print_json(result.to_json())
        return 0
    print(f"exactid verify-recovery: {args.estimate} against {args.network} (X9 of "
          "docs/theory/smooth.md §6)")
    print(f"  found {result.found} of {result.neurons} entangled weights "
          "(|cos| >= 1 - delta^2/2, delta = 0.05)")
    for m in result.matches:
        res = m.to_json(result.exact)["residual_float"]
        print(f"  estimate {m.estimate}: best {m.layer}:{m.neuron}, cos {m.cosine:.6f}, "
              f"residual {res:.3g}, {'success' if m.success else _tristate(m.success)}")
    if result.spurious:
        print(f"  spurious estimates: {', '.join(map(str, result.spurious))}")
    if result.network_error is not None:
        e = result.network_error
        print(f"  network estimate: sup |f - f_est| on [-1, 1]^D in [{e['lower_float']:.3g}, "
              f"{e['upper_float']:.3g}] ({e['sub_boxes']} sub-boxes)")
    return 0


def _graphml(result: Any) -> str:
    """The adjacency graph as GraphML text (attributes as exact strings)."""
    import networkx as nx

    g = nx.Graph()
    for i, r in enumerate(result.regions):
        g.add_node(i, pattern=json.dumps([list(p) for p in r.pattern]),
                   witness=json.dumps([format_rational(v) for v in r.witness]),
                   affine=json.dumps({"A": [[format_rational(v) for v in row]
                                            for row in r.affine[0]],
                                      "c": [format_rational(v) for v in r.affine[1]]}))
    for e in result.edges:
        g.add_edge(e["a"], e["b"], neurons=json.dumps(e["neurons"]),
                   witness=json.dumps([format_rational(v) for v in e["witness"]]))
    return "\n".join(nx.generate_graphml(g)) + "\n"


_COMMANDS = {"local": _cmd_local, "regions": _cmd_regions, "eval": _cmd_eval, "equiv": _cmd_equiv,
             "check": _cmd_check, "demo": _cmd_demo, "diff": _cmd_diff,
             "identify": _cmd_identify, "design-sample": _cmd_design,
             "entangled": _cmd_entangled, "recover": _cmd_recover,
             "verify-recovery": _cmd_verify_recovery,
             "crosscheck": _cmd_crosscheck, "align": _cmd_align, "import": _cmd_import,
             "batch": _cmd_batch}

if __name__ == "__main__":
    sys.exit(main(isolate=True))
