"""Sweeps: where in parameter space each claim holds, one Dask task per grid point.

A sweep is a small declaration (:class:`~gentoys.checks.sweeps.spec.Sweep`): its default grid, a
function from one point (a dict of coordinates) to a record (a dict of numbers), and a figure.
:mod:`gentoys.checks.sweeps.engine` runs it on a ``dask.distributed`` cluster (a ``LocalCluster`` by
default), streams one Parquet row per point to the output folder and resumes an interrupted run.
The built-in sweeps are listed in :mod:`gentoys.checks.sweeps.registry`.
"""
