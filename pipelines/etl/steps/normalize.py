"""``normalize``: clean text the way Vietnamese data needs it.

NFC (a name typed on a Mac arrives decomposed and then fails every enum and join), trim and collapse runs of
spaces (including the no-break spaces Excel leaves), optional title case for names (``NGUYỄN văn AN`` →
``Nguyễn Văn An``), and blank text as a missing value. All in one vectorised projection.

    - normalize: {columns: [ho_ten, quan_huyen], case: title}
"""

from __future__ import annotations

from catalog.i18n import _
from pipelines.etl.options import Opt, as_list
from pipelines.etl.steps.base import StepError, StepInput, ident, select_list

SPACE = r"[\s\x{00A0}\x{2000}-\x{200B}\x{202F}\x{3000}\x{FEFF}]"
ODD_SPACE = r"[\t\n\r\f\v\x{00A0}\x{2000}-\x{200B}\x{202F}\x{3000}\x{FEFF}]"
# Text entering a pipeline is already NFC (extract); what can still be decomposed carries combining marks.
COMBINING = r"[\x{0300}-\x{036F}\x{1AB0}-\x{1AFF}\x{1DC0}-\x{1DFF}\x{20D0}-\x{20FF}\x{FE20}-\x{FE2F}]"

OPTIONS = {
    "columns": Opt("strs", doc="text columns to clean (default: every text column)"),
    "nfc": Opt("bool", default=True, doc="Unicode NFC"),
    "trim": Opt("bool", default=True, doc="remove leading and trailing spaces"),
    "collapse_spaces": Opt("bool", default=True, doc="turn runs of spaces into one space"),
    "case": Opt("str", default="keep", choices=("keep", "title", "upper", "lower"), doc="letter case"),
    "empty_to_null": Opt("bool", default=True, doc="blank text becomes a missing value"),
}


def clean_sql(value: str, options: dict) -> str:
    """The cleaning expression. One cheap search decides whether a value needs any work (most do not); only
    those values go through NFC and the space-fixing regular expressions."""
    nfc = options.get("nfc", True)
    collapse, trim = options.get("collapse_spaces", True), options.get("trim", True)
    signs = ([COMBINING] if nfc else []) + ([ODD_SPACE, "  "] if collapse else []) + (["^ ", " $"] if trim else [])
    fixed = value
    if nfc:
        fixed = f"nfc_normalize({fixed})"
    if collapse:
        fixed = f"regexp_replace({fixed}, '{SPACE}+', ' ', 'g')"
    if trim:
        fixed = f"trim({fixed})" if collapse else f"regexp_replace({fixed}, '^{SPACE}+|{SPACE}+$', '', 'g')"
    expr = f"CASE WHEN regexp_matches({value}, '{'|'.join(signs)}') THEN {fixed} ELSE {value} END" if signs else value
    case = options.get("case", "keep")
    if case == "upper":
        expr = f"upper({expr})"
    elif case == "lower":
        expr = f"lower({expr})"
    elif case == "title":
        # Per word: first character upper, the rest lower (DuckDB's upper/lower know Vietnamese letters).
        expr = (f"array_to_string(list_transform(string_split(lower({expr}), ' '), "
                f"lambda w: upper(w[1]) || w[2:]), ' ')")
    if options.get("empty_to_null", True):
        expr = f"nullif({expr}, '')"
    return expr


def build(options: dict, inp: StepInput) -> str:
    columns = as_list(options.get("columns")) or inp.string_columns()
    inp.require(columns, "columns")
    not_text = [c for c in columns if inp.columns[c].upper() != "VARCHAR"]
    if not_text and options.get("columns"):
        raise StepError(_("tuỳ chọn 'columns': {columns} chứa {types}, không phải văn bản",
                          columns=", ".join(map(repr, not_text)), types=", ".join(inp.columns[c] for c in not_text)),
                        hint=_("chỉ chuẩn hoá các cột văn bản (hoặc chuyển chúng sang string trước)"))
    return f"SELECT {select_list(inp.columns, {c: clean_sql(ident(c), options) for c in columns})} FROM {inp.table}"
