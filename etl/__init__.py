"""Survey-data import: read → map → normalise → validate → load.

Today this holds the loading end of the pipeline (COPY into a staging table, then set-based SQL in
one transaction), used by the demo loader and the synthetic generator; the readers, mappings and
reject reports of the bulk importer build on it.
"""
