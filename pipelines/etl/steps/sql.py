"""``sql``: anything the other steps cannot say, as one SELECT over the step's input (the table ``input``).

It runs under the public SQL endpoint's sandbox rules: a fresh, locked, in-memory DuckDB whose only table is
``input`` (this step's input, staged as Parquet in the run's private folder), no file, network or extension
access, and exactly one SELECT statement checked by DuckDB's parser (``catalog.sql.guard``).

    - sql:
        query: |
          SELECT district, strftime(observed_at, '%Y-%m') AS month, avg(pm25) AS pm25
          FROM input GROUP BY ALL ORDER BY ALL
"""

from __future__ import annotations

import duckdb

from catalog.i18n import N_, _
from catalog.sql.guard import check_statement
from catalog.sql.messages import Refused
from catalog.sql.sandbox import open_sandbox
from catalog.sqltext import sql_string
from pipelines.etl.options import Opt
from pipelines.etl.steps.base import StepError, StepInput, first_line

MATERIALIZE = True  # its rows arrive from the sandbox as an Arrow table

OPTIONS = {
    "query": Opt("str", required=True, doc=N_("một câu SELECT trên bảng 'input'")),
    "memory_mb": Opt("int", default=1024, minimum=64, doc="memory for the query"),
}


def build(options: dict, inp: StepInput) -> str:
    staged = inp.work_dir / f"sql-input-{inp.table.strip(chr(34))}.parquet"
    inp.con.execute(f"COPY {inp.table} TO {sql_string(str(staged))} (FORMAT parquet)")
    sandbox = open_sandbox([{"name": "input", "files": [str(staged)]}], threads=2,
                           memory_mb=options.get("memory_mb", 1024), timeout=3600)
    try:
        try:
            statement = check_statement(sandbox, options["query"])
        except Refused as refused:
            raise StepError(_("tuỳ chọn 'query': {error}", error=refused.message)) from None
        try:
            table = sandbox.sql(statement.query).to_arrow_table()  # the text the guard checked
        except duckdb.Error as error:
            raise StepError(_("tuỳ chọn 'query' chạy thất bại: {error}", error=first_line(error))) from None
    finally:
        sandbox.close()
    name = f"{inp.table.strip(chr(34))}_sql"
    inp.con.register(name, table)
    return f"SELECT * FROM {name}"
