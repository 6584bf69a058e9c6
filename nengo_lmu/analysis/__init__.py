"""Trials, sweeps and their results."""

from nengo_lmu.analysis.experiment import Trial, run_trial
