"""Running a batch: the process command's job, the per-page job, where pages run (this
process, a local pool started from a fork server, Dask), in what order, and with what
memory and progress display."""
