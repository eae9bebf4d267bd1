"""Declarative ETL pipelines for departments: extract → transform → validate → publish.

One YAML file per departmental dataset declares the source, the transform steps, the target dataset and schema,
the publish mode and a schedule (``definition``). ``runner.run_pipeline`` executes it: ``extract`` loads the
source into DuckDB, each module of ``steps`` turns its input into one SELECT, ``conform`` types the result by the
schema, ``pipelines.privacy`` refuses personal data, and the result is published as a full new version
(``pipelines.publish``) or appended as one new Parquet part (``append``). Runs are recorded in ``catalog.runs``.
``transform`` runs the steps in the run's own DuckDB instance, ``results`` is what a run returns and records,
``due`` runs the pipelines whose ``schedule`` (cron, through croniter) is due, and ``files`` finds pipeline files.
"""
