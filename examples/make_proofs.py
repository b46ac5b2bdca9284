"""Regenerate proofs/<example>.cert.json for every local example of examples/ (a folder
with network.json and samples.json), and proofs/identify/<example>.cert.json for every
folder of examples/identify/ (network.json and domain.json).

The random primes of the rank proofs are drawn with the fixed seed ``SEED``, so that the
same code writes the same bytes: tests/examples/test_proofs.py runs this script into a
temporary folder and compares the result with the committed proofs/.

    python examples/make_proofs.py            # rewrites proofs/
    python examples/make_proofs.py OUT_DIR    # writes OUT_DIR/ instead
"""

import sys
from pathlib import Path

from exactid.certificates.schema import identify_certificate
from exactid.domain import read_domain
from exactid.formats import dump_json, read_network, read_samples, write_text_atomic
from exactid.verdicts import local_verdict
from exactid.verdicts.identify import identify

ROOT = Path(__file__).resolve().parent.parent
SEED = 0


def make_proofs(out_dir: Path, log=print) -> None:
    """Write every example's certificate under ``out_dir`` (the layout of proofs/)."""
    for folder in sorted(p.parent for p in (ROOT / "examples").glob("*/samples.json")):
        net = read_network(folder / "network.json")
        samples = read_samples(folder / "samples.json", net.n_inputs)
        result = local_verdict(net, samples, seed=SEED, float_check=False)
        out = out_dir / f"{folder.name}.cert.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out, dump_json(result.certificate) + "\n")
        log(f"{folder.name}: {result.verdict} -> {out}")
    for folder in sorted(p.parent for p in (ROOT / "examples" / "identify").glob("*/domain.json")):
        net = read_network(folder / "network.json")
        domain = read_domain(folder / "domain.json")
        result = identify(net, domain, seed=SEED)
        out = out_dir / "identify" / f"{folder.name}.cert.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out, dump_json(identify_certificate(net, domain, result)) + "\n")
        log(f"identify/{folder.name}: {result.verdict} -> {out}")


if __name__ == "__main__":
    make_proofs(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "proofs")
