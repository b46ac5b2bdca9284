"""Regenerate proofs/<example>.cert.json for every local example of examples/ (seed 0),
and proofs/identify/<example>.cert.json for every folder of examples/identify/."""

from pathlib import Path

from exactid.certificates.schema import identify_certificate
from exactid.domain import read_domain
from exactid.formats import dump_json, read_network, read_samples, write_text_atomic
from exactid.verdicts import local_verdict
from exactid.verdicts.identify import identify

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    for folder in sorted(p for p in (ROOT / "examples").iterdir()
                         if p.is_dir() and p.name != "identify"):
        net = read_network(folder / "network.json")
        samples = read_samples(folder / "samples.json", net.n_inputs)
        result = local_verdict(net, samples, float_check=False)
        out = ROOT / "proofs" / f"{folder.name}.cert.json"
        write_text_atomic(out, dump_json(result.certificate) + "\n")
        print(f"{folder.name}: {result.verdict} -> {out.relative_to(ROOT)}")
    for folder in sorted(p for p in (ROOT / "examples" / "identify").iterdir() if p.is_dir()):
        net = read_network(folder / "network.json")
        domain = read_domain(folder / "domain.json")
        result = identify(net, domain)
        out = ROOT / "proofs" / "identify" / f"{folder.name}.cert.json"
        out.parent.mkdir(exist_ok=True)
        write_text_atomic(out, dump_json(identify_certificate(net, domain, result)) + "\n")
        print(f"identify/{folder.name}: {result.verdict} -> {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
