"""Survey-data import: read → map → normalise → validate → load.

``pipeline.import_file`` is the one entry point (used by ``geoplatform import`` and the ``/import``
page); ``sources``, ``mapping``, ``coordinates``, ``normalise``, ``validate`` and ``load`` are its steps,
``staging`` the COPY helpers it shares with the demo loader, ``export`` the way back out.
"""
