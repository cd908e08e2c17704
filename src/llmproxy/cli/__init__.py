"""The thin command-line layer: parse flags, call the pipeline, print, exit."""
