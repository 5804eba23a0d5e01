"""Large analyses: partitions of cells, run one after the other or on Dask."""
