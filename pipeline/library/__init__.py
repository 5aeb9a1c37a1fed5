"""A library of manuscripts: every variant of every book under a folder, in a pool of worker
processes or on a Dask cluster, and a report of the whole library."""
