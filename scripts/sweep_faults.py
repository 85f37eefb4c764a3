"""Fault tolerance of ``physml sweep``: a trial's Ray worker killed mid-trial, and the whole sweep killed.

    python scripts/sweep_faults.py [--study ising-phases] [--seeds 0:4] [--quick] [--set FIELD=VALUE ...]
        [--runs-dir DIR] [--backend ray] [--checkpoint-every 1] [--max-concurrent K] [--threads-per-trial T]
        [--kill-after-step K] [--reference] [--part both|worker|sweep]

Part ``worker``: start ``physml sweep STUDY ...`` in a subprocess; wait until a trial has written a training
checkpoint (``RUNS/checkpoints/<sweep_id>-<digest>/<loop>/latest.json``, the trial's fixed key); read the
process id of the worker running that trial from the trial's log (``RUNS/sweeps/<sweep_id>.trials/<digest>.jsonl``,
written by the trial itself when it starts; checked to be a live ``ray::`` process); SIGKILL it; wait for the
sweep to finish. Reported: the trials, the attempts of each, the checkpoint the retried trial resumed from (the
sweep prints it as one line, and its report's Trials table has it), and whether the retried trial's metrics
(timings aside) equal those of an uninterrupted run of the same study, seed, overrides and thread count in the
same runs folder (``--reference`` runs one first if there is none; without it, the report says none was found).

Part ``sweep``: start the same sweep afresh in its own process group; when two trials have finished and one in
flight holds a checkpoint, SIGKILL the whole group (driver, Ray and its workers); run the same command with
``--resume SWEEP_ID``. Reported: the trials finished at the kill, the trials the resumed sweep skipped and ran,
and the checkpoints the trials in flight at the kill resumed from.

Prints one JSON object; the exit status is 1 if a check failed. ``--checkpoint-every 1`` (the default here) makes
the trials' training loops checkpoint after every epoch/step, so the kill lands between checkpoints.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMING = ("seconds",)  # metrics holding a duration differ between any two runs


def sweep_command(args, runs: Path, resume: str | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "physml", "sweep", args.study, "--seeds", args.seeds, "--backend", args.backend,
           "--checkpoint-every", str(args.checkpoint_every), "--runs-dir", str(runs)]
    cmd += ["--quick"] if args.quick else []
    for item in args.set or []:
        cmd += ["--set", item]
    if args.max_concurrent:
        cmd += ["--max-concurrent", str(args.max_concurrent)]
    if args.threads_per_trial:
        cmd += ["--threads-per-trial", str(args.threads_per_trial)]
    return cmd + (["--resume", resume] if resume else [])


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def wait_for(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None, poll: float = 0.2):
    """Poll ``predicate()`` until it returns something truthy; fail after ``timeout`` s or if ``proc`` ended."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the sweep ended (status {proc.returncode}) before {what}")
        time.sleep(poll)
    raise TimeoutError(f"no {what} after {timeout:.0f} s")


def read_events(path: Path) -> list[dict]:
    events = []
    for line in path.read_text().splitlines() if path.is_file() else []:
        try:
            events.append(json.loads(line))
        except ValueError:  # a line cut short by a kill
            continue
    return events


def new_sweep_id(runs: Path, before: set[str]) -> str | None:
    now = {p.stem for p in (runs / "sweeps").glob("*.json")} - before
    return sorted(now)[0] if now else None


def trial_logs(runs: Path, sweep_id: str) -> dict[str, list[dict]]:
    """Every trial's events, by digest."""
    return {p.stem: read_events(p) for p in sorted((runs / "sweeps" / f"{sweep_id}.trials").glob("*.jsonl"))}


def finished(runs: Path, sweep_id: str) -> int:
    return sum(any(e.get("event") == "done" for e in events) for events in trial_logs(runs, sweep_id).values())


def first_checkpoint(runs: Path, sweep_id: str, min_step: int = 1):
    """``(digest, loop, step)`` of a trial of ``sweep_id`` holding a checkpoint of step >= ``min_step``, or None."""
    for latest in sorted((runs / "checkpoints").glob(f"{sweep_id}-*/*/latest.json")):
        try:
            name = json.loads(latest.read_text())["checkpoint"]
        except (OSError, ValueError, KeyError):
            continue
        digest, step = latest.parent.parent.name[len(sweep_id) + 1:], int(name.split("-")[1])
        if step >= min_step and not name.endswith("-done"):
            return digest, latest.parent.name, step
    return None


def is_ray_worker(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
    except OSError:
        return False
    return cmdline.startswith("ray::")


def group_members(pgid: int) -> list[int]:
    """Live processes whose process group or session is ``pgid`` (what a SIGKILL of the group must end)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and pgid in (int(fields[2]), int(fields[3])):
            pids.append(int(stat.parent.name))
    return pids


def ray_temp_dirs(pids: list[int]) -> set[str]:
    """The ``physml-ray-*`` temporary folders named on these processes' command lines (a local Ray instance's)."""
    folders = set()
    for pid in pids:
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").replace("\0", " ")
        except OSError:
            continue
        for match in re.finditer(r"([^\s=,:;'\"]*/physml-ray-[A-Za-z0-9_]+)", args):
            folder = Path(match.group(1))
            if folder.parent == Path(tempfile.gettempdir()) and folder.is_dir():
                folders.add(str(folder))
    return folders


def trial_records(runs: Path, sweep_id: str) -> dict[str, object]:
    from physml.runs import Registry

    return {rec.config["sweep_trial"]: rec for rec in Registry(runs).list()
            if rec.config.get("sweep_id") == sweep_id and "sweep_trial" in rec.config}


def comparable(metrics: dict) -> dict:
    return {k: v for k, v in metrics.items() if not any(t in k for t in TIMING)}


def reference_run(args, runs: Path, trial, make: bool):
    """An uninterrupted registered run of the same study, config, seed and threads: a study run, or a trial of
    another sweep that ran in one attempt from scratch (``make``: run a study run when there is none)."""
    from physml.runs import Registry

    def own(config: dict) -> dict:
        return {k: v for k, v in config.items() if not k.startswith("sweep_")}

    def find():
        for rec in Registry(runs).list():
            clean = "sweep_id" not in rec.config or (rec.config.get("sweep_attempt") == 1
                                                     and not rec.config.get("sweep_resumed_from"))
            if rec.id != trial.id and rec.study == trial.study and clean and own(rec.config) == own(trial.config):
                return rec
        return None

    if find() is None and make:
        cmd = [sys.executable, "-m", "physml", "study", "run", args.study, "--seed", str(trial.config["seed"]),
               "--threads", str(trial.config["threads"]), "--runs-dir", str(runs), "--quiet"]
        cmd += ["--quick"] if args.quick else []
        for item in args.set or []:
            cmd += ["--set", item]
        subprocess.run(cmd, env=environment(), check=True, capture_output=True, text=True, timeout=args.timeout)
    return find()


def part_worker(args, runs: Path, logs: Path) -> dict:
    """Kill the Ray worker of a trial that holds a checkpoint; the sweep completes; the trial resumed."""
    before = {p.stem for p in (runs / "sweeps").glob("*.json")}
    start = time.monotonic()
    with open(logs / "worker-kill.out", "w") as out:
        proc = subprocess.Popen(sweep_command(args, runs), stdout=out, stderr=subprocess.STDOUT, env=environment(),
                                start_new_session=True)
        try:
            sweep_id = wait_for(lambda: new_sweep_id(runs, before), args.timeout, "sweep journal", proc)
            digest, loop, step = wait_for(lambda: first_checkpoint(runs, sweep_id, args.kill_after_step), args.timeout,
                                          "trial checkpoint", proc)
            log = runs / "sweeps" / f"{sweep_id}.trials" / f"{digest}.jsonl"
            starts = [e for e in read_events(log) if e.get("event") == "start"]
            pid = starts[-1]["pid"]
            if not is_ray_worker(pid) and args.backend == "ray":
                raise RuntimeError(f"pid {pid} of trial {digest} is not a live Ray worker")
            os.kill(pid, signal.SIGKILL)
            killed_after = time.monotonic() - start
            status = proc.wait(timeout=args.timeout)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    output = (logs / "worker-kill.out").read_text()
    records = trial_records(runs, sweep_id)
    attempts = {key: rec.config.get("sweep_attempt") for key, rec in records.items()}
    retried = [rec for rec in records.values() if (rec.config.get("sweep_attempt") or 1) > 1]
    killed_key = next((k for k, rec in records.items() if trial_digest(k) == digest), None)
    result = {"sweep_id": sweep_id, "status": status, "seconds": round(time.monotonic() - start, 1),
              "trials": len(records),
              "killed": {"trial": killed_key, "pid": pid, "after_seconds": round(killed_after, 1),
                         "checkpoint_seen": f"{loop} step {step}"},
              "attempts": attempts,
              "resume_lines": [line for line in output.splitlines() if " resumed from checkpoint " in line]}
    if killed_key is not None:
        trial = records[killed_key]
        result["resumed_from"] = trial.config.get("sweep_resumed_from")
        ref = reference_run(args, runs, trial, args.reference)
        if ref is None:
            result["uninterrupted_reference"] = ("none in the runs folder (rerun with --reference to make one: a "
                                                 "study run with the same seed, overrides and threads)")
            result["metrics_equal_uninterrupted"] = None
        else:
            result["uninterrupted_reference"] = ref.id
            a, b = comparable(trial.metrics), comparable(ref.metrics)
            result["metrics_equal_uninterrupted"] = a == b
            result["metrics_differing"] = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    result["checks"] = {
        "sweep completed": status == 0,
        "every trial registered once": status == 0 and len(records) == sweep_trials(output),
        "the killed trial was retried": killed_key is not None and attempts.get(killed_key, 1) >= 2,
        "it resumed from a checkpoint": bool(result.get("resumed_from")),
        "the sweep printed the resume": bool(result["resume_lines"]),
        "only the killed trial was retried": [r.config["sweep_trial"] for r in retried] == [killed_key],
    }
    if result.get("metrics_equal_uninterrupted") is not None:
        result["checks"]["metrics equal the uninterrupted run's"] = result["metrics_equal_uninterrupted"]
    return result


def part_sweep(args, runs: Path, logs: Path) -> dict:
    """Kill the whole sweep (its process group) once two trials finished; resume it; count skipped and run."""
    before = {p.stem for p in (runs / "sweeps").glob("*.json")}
    start = time.monotonic()
    with open(logs / "sweep-kill.out", "w") as out:
        proc = subprocess.Popen(sweep_command(args, runs), stdout=out, stderr=subprocess.STDOUT, env=environment(),
                                start_new_session=True)
        try:
            sweep_id = wait_for(lambda: new_sweep_id(runs, before), args.timeout, "sweep journal", proc)
            # two trials finished, and one still running holds a checkpoint (it must resume from it)
            wait_for(lambda: finished(runs, sweep_id) >= 2 and first_checkpoint(runs, sweep_id), args.timeout,
                     "two finished trials and a running one with a checkpoint", proc)
            in_flight = {d: e for d, e in trial_logs(runs, sweep_id).items()
                         if not any(x.get("event") == "done" for x in e)}
            done_at_kill = finished(runs, sweep_id)
            ray_dirs = ray_temp_dirs(group_members(proc.pid))
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    left_at_kill = group_members(proc.pid)  # processes that had left the group's session end on their own
    for _ in range(120):
        if not group_members(proc.pid):
            break
        time.sleep(0.5)
    survivors = group_members(proc.pid)
    for folder in ray_dirs:  # the killed driver could not remove its Ray instance's temporary folder
        shutil.rmtree(folder, ignore_errors=True)
    checkpoints_left = sorted(p.name for p in (runs / "checkpoints").glob(f"{sweep_id}-*"))
    resumed = subprocess.run(sweep_command(args, runs, resume=sweep_id), env=environment(), capture_output=True,
                             text=True, timeout=args.timeout)
    (logs / "sweep-resume.out").write_text(resumed.stdout + resumed.stderr)
    records = trial_records(runs, sweep_id)
    sweep_run = Path(resumed.stdout.strip().splitlines()[-1]) if resumed.returncode == 0 else None
    config = json.loads((sweep_run / "config.json").read_text()) if sweep_run else {}
    skipped = config.get("resumed_trials_skipped")
    n = len(config.get("trials", []))
    result = {"sweep_id": sweep_id, "seconds": round(time.monotonic() - start, 1), "trials": n,
              "finished_when_killed": done_at_kill, "in_flight_when_killed": len(in_flight),
              "processes_ending_after_kill": len(left_at_kill),
              "processes_left_60s_after_kill": survivors, "ray_temp_dirs_removed": sorted(ray_dirs),
              "checkpoints_left_by_the_kill": len(checkpoints_left),
              "resume_status": resumed.returncode, "skipped_on_resume": skipped,
              "run_on_resume": None if skipped is None else n - skipped,
              "resume_lines": [ln for ln in resumed.stdout.splitlines() if " resumed from checkpoint " in ln],
              "in_flight_resumed_from": {key: rec.config.get("sweep_resumed_from") for key, rec in records.items()
                                         if trial_digest(key) in in_flight}}
    equal = {}
    for key, rec in records.items():
        if trial_digest(key) in in_flight and rec.config.get("sweep_resumed_from"):
            ref = reference_run(args, runs, rec, False)
            equal[key] = None if ref is None else comparable(rec.metrics) == comparable(ref.metrics)
    result["in_flight_metrics_equal_uninterrupted"] = equal  # None: no uninterrupted run of that trial here
    result["checks"] = {
        "resumed sweep completed": resumed.returncode == 0,
        "resumed trials' metrics equal uninterrupted runs' (where one exists)": all(v is not False
                                                                                    for v in equal.values()),
        "skipped = trials finished at the kill": skipped == done_at_kill,
        "skipped + run = trials": skipped is not None and n == len(records) and skipped + result["run_on_resume"] == n,
        "no process of the killed sweep left": not survivors,
        "a trial in flight resumed from its checkpoint": any(result["in_flight_resumed_from"].values()),
    }
    return result


def sweep_trials(output: str) -> int:
    """The number of trials of the sweep run whose path the sweep printed last."""
    lines = output.strip().splitlines()
    config = Path(lines[-1]) / "config.json" if lines else None
    return len(json.loads(config.read_text())["trials"]) if config and config.is_file() else -1


def trial_digest(key: str) -> str:
    import hashlib

    return hashlib.sha1(key.encode()).hexdigest()[:10]  # as physml.studies' sweeps name a trial's files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--study", default="ising-phases")
    parser.add_argument("--seeds", default="0:4")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--set", action="append", help="FIELD=VALUE passed to the sweep and the reference run")
    parser.add_argument("--runs-dir", type=Path, default=Path("runs-sweep-faults"))
    parser.add_argument("--backend", default="ray", choices=("ray", "local"))
    parser.add_argument("--checkpoint-every", type=int, default=1)
    parser.add_argument("--kill-after-step", type=int, default=1,
                        help="kill once a trial's training loop has checkpointed this step (epoch) or a later one")
    parser.add_argument("--max-concurrent", type=int)
    parser.add_argument("--threads-per-trial", type=int)
    parser.add_argument("--reference", action="store_true",
                        help="run the uninterrupted reference of the killed trial when the runs folder has none")
    parser.add_argument("--part", default="both", choices=("both", "worker", "sweep"))
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds allowed to each stage")
    args = parser.parse_args(argv)
    runs = args.runs_dir.resolve()
    logs = runs / "sweep-faults-logs"
    logs.mkdir(parents=True, exist_ok=True)
    report = {"study": args.study, "seeds": args.seeds, "quick": args.quick, "set": args.set or [],
              "backend": args.backend, "checkpoint_every": args.checkpoint_every, "runs_dir": str(runs),
              "logs": str(logs)}
    if args.part in ("both", "worker"):
        report["worker_killed"] = part_worker(args, runs, logs)
    if args.part in ("both", "sweep"):
        report["sweep_killed"] = part_sweep(args, runs, logs)
    report["passed"] = all(all(report[p]["checks"].values()) for p in ("worker_killed", "sweep_killed") if p in report)
    print(json.dumps(report, indent=2))
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
