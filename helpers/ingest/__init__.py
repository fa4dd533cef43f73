"""The data-in side: readers of source files (GAC pages, wide series, Comtrade), the import
store and the `python -m helpers import` command. Analysis modules never import from here
except `data.load_dataset`, which reads a store."""
