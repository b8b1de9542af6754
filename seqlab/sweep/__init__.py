"""Hyper-parameter sweeps: a config's `get_sweep(arg)` run as trials of an Optuna study.

definition.py  get_sweep(arg) -> Sweep (grid and/or random/TPE search), checked before anything runs
study.py       the Optuna study: storage, heartbeats, trial slots, retries, per-trial samplers
trial.py       one trial = one launch.py process in <sweep>/trials/<n>, and what it left behind
worker.py      the worker loop: queue, run, wait, stop
results.py     results.csv / results.md and the --sweep_dry_run listing
runner.py      launch.py --sweep: all of the above, and the exit code
"""
