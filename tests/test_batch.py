"""exactid batch: results equal to each command's --json, bad jobs as error lines, unique
ids, resuming after a cut, workers and a Dask cluster giving the same lines, Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from exactid import batch
from exactid.cli import main
from exactid.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
E1 = ROOT / "examples" / "identify" / "e1"
E6 = ROOT / "examples" / "identify" / "e6"
WORKED = ROOT / "examples" / "worked-2-3-2-1"
KINK = ROOT / "examples" / "kink-1-2-1"
KINK_NET = {"format": "exactid.network/1", "layers": [
    {"weight": [[1], [-1]], "bias": ["-1/2", 1]}, {"weight": [[1, 1]], "bias": [0]}]}
BOX = {"format": "exactid.domain/1", "box": [[-2, 2]]}

# (job, the same command on the command line); inline documents are compared with files
# named as explain names a missing file: NET, X.json and D.json
GOOD = [
    ({"id": "local", "command": "local", "network": f"{WORKED}/network.json",
      "samples": f"{WORKED}/samples.json", "seed": 3},
     ["local", f"{WORKED}/network.json", "--samples", f"{WORKED}/samples.json",
      "--seed", "3"]),
    ({"id": 7, "command": "local", "network": KINK_NET, "samples": [[0], ["1/2"], [2]],
      "float_check": True},
     ["local", "NET", "--samples", "X.json", "--float-check"]),
    ({"id": "identify", "command": "identify", "network": f"{E1}/network.json",
      "domain": f"{E1}/domain.json", "seed": 1},
     ["identify", f"{E1}/network.json", "--domain", f"{E1}/domain.json", "--seed", "1"]),
    ({"id": "identify-inline", "command": "identify", "network": KINK_NET, "domain": BOX},
     ["identify", "NET", "--domain", "D.json"]),
    ({"id": "identify-empty", "command": "identify", "network": KINK_NET,
      "domain": "empty.json"},
     ["identify", "NET", "--domain", "empty.json"]),
    ({"id": "regions", "command": "regions", "network": f"{E6}/network.json",
      "domain": f"{E6}/domain.json"},
     ["regions", f"{E6}/network.json", "--domain", f"{E6}/domain.json"]),
    ({"id": "diff", "command": "diff", "network": f"{E1}/network.json",
      "b": f"{E1}/counterexample.json", "domain": f"{E1}/domain.json"},
     ["diff", f"{E1}/network.json", f"{E1}/counterexample.json", "--domain",
      f"{E1}/domain.json"]),
    ({"id": "equiv", "command": "equiv", "network": f"{WORKED}/network.json",
      "b": f"{WORKED}/rescaled.json"},
     ["equiv", f"{WORKED}/network.json", f"{WORKED}/rescaled.json"]),
    ({"id": "design", "command": "design-sample", "network": f"{E6}/network.json",
      "domain": f"{E6}/domain.json", "seed": 2},
     ["design-sample", f"{E6}/network.json", "--domain", f"{E6}/domain.json", "--seed", "2"]),
]
# (line of JOBS, id of its result line, words of its error)
BAD = [
    ('{"id": "broken", "command": "local"', None, "line 11: malformed JSON"),
    ('{"id": "what", "command": "prove", "network": "n.json"}', "what",
     'unknown command "prove"'),
    ('{"id": "typo", "command": "equiv", "network": "a.json", "b": "b.json", "sed": 1}',
     "typo", "unknown field(s) sed"),
    ('{"id": "nob", "command": "diff", "network": "a.json", "domain": "d.json"}', "nob",
     "needs the field(s) b"),
    ('{"command": "equiv", "network": "a.json", "b": "b.json"}', None, "'id' must be"),
    ('{"id": 1.5, "command": "equiv", "network": "a.json", "b": "b.json"}', None,
     "'id' must be"),
    ('{"id": "seed", "command": "identify", "network": "a.json", "domain": "d.json", '
     '"seed": "1"}', "seed", "'seed' must be an integer"),
    ('{"id": "missing", "command": "regions", "network": "no/such.json", "domain": '
     f'"{E6}/domain.json"}}', "missing", "no/such.json: cannot read file"),
    ('{"id": "shallow", "command": "regions", "network": {"format": "exactid.network/1", '
     '"layers": [{"weight": [[1, 1]], "bias": [0]}]}, "domain": ' + json.dumps(str(E6))[:-1]
     + '/domain.json"}', "shallow", "the network has no hidden layer"),
    ('{"id": "dims", "command": "design-sample", "network": ' + json.dumps(KINK_NET)
     + f', "domain": "{E6}/domain.json"}}', "dims", "the domain has dimension 2"),
    ('{"id": "bad-net", "command": "equiv", "network": {"format": "exactid.network/9"}, '
     '"b": {}}', "bad-net", "unknown format tag"),
]


def write_jobs(path, lines):
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def results(path):
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def by_id(lines):
    return {json.dumps(line["id"]) if line["id"] is not None else f"line {line['line']}":
            line for line in lines}


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_results_are_the_commands_json_and_bad_jobs_are_error_lines(
        capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "NET").write_text(json.dumps(KINK_NET))
    (tmp_path / "X.json").write_text(json.dumps([[0], ["1/2"], [2]]))
    (tmp_path / "D.json").write_text(json.dumps(BOX))
    (tmp_path / "empty.json").write_text(json.dumps({"format": "exactid.domain/1",
                                                     "box": [[1, 0]]}))
    lines = [json.dumps(job) for job, _ in GOOD]
    lines.insert(4, "")  # blank lines are skipped
    jobs = write_jobs(tmp_path / "jobs.jsonl", lines + [line for line, _, _ in BAD])
    code, out, err = run(capsys, "batch", jobs, "--out", "results.jsonl", "--workers", "1")
    assert code == 0 and err == ""
    assert out == (f"results.jsonl: {len(GOOD)} ok, {len(BAD)} failed, 0 already there "
                   f"(of {len(GOOD) + len(BAD)} jobs in {jobs})\n")
    found = results(tmp_path / "results.jsonl")
    assert [line["id"] for line in found[:len(GOOD)]] == [job["id"] for job, _ in GOOD]
    for (job, argv), line in zip(GOOD, found):
        code, out, _ = run(capsys, *argv, "--json")
        assert code == 0
        assert line == {"id": job["id"], "ok": True, "result": json.loads(out)}, job["id"]
    assert found[4]["result"]["verdict"] == "not-applicable"
    for (_, job_id, words), line in zip(BAD, found[len(GOOD):]):
        assert line["id"] == job_id and line["ok"] is False and words in line["error"]
        assert "\n" not in line["error"]
        assert set(line) == ({"id", "ok", "error"} if job_id is not None
                             else {"id", "line", "ok", "error"})


def test_internal_errors_become_error_lines(monkeypatch, tmp_path):
    def broken(fields):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setitem(batch._RUNNERS, "equiv", broken)
    job = batch.Job("z", "equiv", 1, {"network": "a.json", "b": "b.json"})
    ok, line = batch.run_job(job)
    assert not ok and json.loads(line) == {
        "id": "z", "ok": False,
        "error": "internal error (ZeroDivisionError: division by zero); please report it"}


def test_repeated_ids_make_one_error_line(tmp_path):
    equiv = {"command": "equiv", "network": str(E1 / "network.json"),
             "b": str(E1 / "counterexample.json")}
    jobs = write_jobs(tmp_path / "jobs.jsonl", [
        json.dumps({"id": "a", **equiv}), json.dumps({"id": 1, **equiv}),
        json.dumps({"id": "a", **equiv}), json.dumps({"id": "1", **equiv}),
        json.dumps({"id": "a", "command": "nonsense"})])
    summary = batch.run_batch(jobs, tmp_path / "out.jsonl")
    assert summary == batch.BatchSummary(jobs=3, skipped=0, ok=2, failed=1)
    found = results(tmp_path / "out.jsonl")
    assert [line["id"] for line in found] == ["a", 1, "1"]
    assert found[0] == {"id": "a", "ok": False, "error": f'id "a" is on lines 1, 3, 5 of '
                        f"{jobs}: ids must be unique, so none of these jobs ran"}


def small_jobs(count):
    """Fast jobs: identify, equiv, diff and local on inline or example files."""
    kinds = [
        {"command": "identify", "network": KINK_NET, "domain": BOX},
        {"command": "equiv", "network": str(WORKED / "network.json"),
         "b": str(WORKED / "rescaled.json")},
        {"command": "diff", "network": str(E1 / "network.json"),
         "b": str(E1 / "counterexample.json"), "domain": str(E1 / "domain.json")},
        {"command": "local", "network": str(KINK / "network.json"),
         "samples": str(KINK / "samples.json")},
        {"command": "regions", "network": KINK_NET, "domain": BOX},
    ]
    return [json.dumps({"id": f"job-{i}", **kinds[i % len(kinds)]}) for i in range(count)]


def test_resuming_after_a_cut_line_runs_only_the_missing_jobs(tmp_path, monkeypatch):
    jobs = write_jobs(tmp_path / "jobs.jsonl", small_jobs(10))
    out = tmp_path / "out.jsonl"
    assert batch.run_batch(jobs, out).ok == 10
    complete = out.read_bytes()
    lines = complete.splitlines(keepends=True)
    # an interruption after 6 lines, in the middle of the 7th
    out.write_bytes(b"".join(lines[:6]) + lines[6][:len(lines[6]) // 2])
    ran = []
    for name, runner in list(batch._RUNNERS.items()):
        monkeypatch.setitem(batch._RUNNERS, name,
                            lambda fields, runner=runner: ran.append(1) or runner(fields))
    assert batch.run_batch(jobs, out) == batch.BatchSummary(10, 6, 4, 0)
    assert len(ran) == 4
    assert out.read_bytes() == complete
    assert batch.run_batch(jobs, out) == batch.BatchSummary(10, 10, 0, 0)
    assert len(ran) == 4 and out.read_bytes() == complete


def test_a_foreign_line_in_results_is_an_input_error(capsys, tmp_path):
    jobs = write_jobs(tmp_path / "jobs.jsonl", small_jobs(2))
    out = tmp_path / "out.jsonl"
    out.write_text('{"id": "job-0", "ok": true, "result": {}}\nhello\n')
    code, _, err = run(capsys, "batch", jobs, "--out", out)
    assert code == 2 and err == (f"exactid: {out}: line 2 is not a result line of exactid "
                                 "batch; remove it, or write the results to another file\n")
    code, _, err = run(capsys, "batch", jobs, "--out", jobs)
    assert code == 2 and "cannot be the jobs file" in err
    code, _, err = run(capsys, "batch", tmp_path / "none.jsonl", "--out", out)
    assert code == 2 and "none.jsonl: cannot read file" in err


def test_two_workers_write_the_lines_of_one(tmp_path):
    jobs = write_jobs(tmp_path / "jobs.jsonl", small_jobs(10) + ["{"])
    batch.run_batch(jobs, tmp_path / "one.jsonl", workers=1)
    batch.run_batch(jobs, tmp_path / "two.jsonl", workers=2)
    one = (tmp_path / "one.jsonl").read_text().splitlines()
    two = (tmp_path / "two.jsonl").read_text().splitlines()
    assert sorted(one) == sorted(two) and len(one) == 11


def test_a_dask_cluster_writes_the_lines_of_one_worker(capsys, tmp_path):
    pytest.importorskip("distributed")
    from dask.distributed import LocalCluster

    jobs = write_jobs(tmp_path / "jobs.jsonl", small_jobs(6) + ['{"id": 0}'])
    batch.run_batch(jobs, tmp_path / "one.jsonl", workers=1)
    # worker processes, as on a real cluster (exact arithmetic holds the interpreter lock)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        code, out, _ = run(capsys, "batch", jobs, "--out", tmp_path / "dask.jsonl",
                           "--scheduler", cluster.scheduler_address)
    assert code == 0 and "6 ok, 1 failed" in out
    one = (tmp_path / "one.jsonl").read_text().splitlines()
    assert sorted(one) == sorted((tmp_path / "dask.jsonl").read_text().splitlines())


def test_progress_lines_go_to_stderr(capsys, tmp_path, monkeypatch):
    def every_tick(progress, seconds=2.0):
        return (lambda message: progress(message())) if progress else (lambda message: None)

    monkeypatch.setattr("exactid.parallel.throttled", every_tick)
    jobs = write_jobs(tmp_path / "jobs.jsonl", small_jobs(3))
    code, out, err = run(capsys, "batch", jobs, "--out", tmp_path / "o.jsonl", "--workers",
                         "1", "--progress")
    assert code == 0 and "3 ok" in out and "exactid: 3 of 3 jobs done" in err
    with pytest.raises(SystemExit) as exc:
        main(["batch", str(jobs), "--out", str(tmp_path / "p.jsonl"), "--workers", "0"])
    assert exc.value.code == 2 and "positive number of workers" in capsys.readouterr().err
    with pytest.raises(InputError, match="--workers must be a positive integer"):
        batch.run_batch(jobs, tmp_path / "p.jsonl", workers=0)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the isolation needs os.fork")
def test_ctrl_c_leaves_complete_lines_and_a_rerun_finishes(tmp_path):
    count = 200
    jobs = write_jobs(tmp_path / "jobs.jsonl", small_jobs(count))
    out = tmp_path / "out.jsonl"
    argv = [sys.executable, "-m", "exactid", "batch", str(jobs), "--out", str(out),
            "--workers", "1"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    start = time.monotonic()
    while time.monotonic() - start < 60 and proc.poll() is None and (
            not out.exists() or out.read_bytes().count(b"\n") < 5):
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130 and stderr == b"exactid: interrupted\n"
    done = results(out)
    assert 5 <= len(done) < count
    assert [line["id"] for line in done] == [f"job-{i}" for i in range(len(done))]
    again = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert f"{count - len(done)} ok, 0 failed, {len(done)} already there" in again.stdout
    assert [line["id"] for line in results(out)] == [f"job-{i}" for i in range(count)]
