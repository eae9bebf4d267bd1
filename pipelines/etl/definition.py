"""Pipeline files: load the YAML, check every part of it, and say exactly where a problem is.

A pipeline is one YAML file per departmental dataset, kept in version control:

    name: tourism-monthly
    source: {path: reports/du-lich-*.xlsx, pick: newest, header_row: 4}
    steps:
      - filter: {where: "\\"Chỉ tiêu\\" IS NOT NULL"}
      - unpivot: {keep: ["Chỉ tiêu"], name: ky, value: so_luot}
    target: {dataset: tourism-monthly, org: so-du-lich, schema: tourism_arrivals}
    publish: {mode: replace}
    schedule: monthly

A step is written either as a one-key mapping (``- rename: {columns: {...}}``) or in the Frictionless pipeline
descriptor's shape (``- {type: rename, columns: {...}}``). Every problem found is reported with its line (from
the YAML parser's marks), the step's number and type, and the option, together, so one run of
``opendata pipeline validate`` shows them all.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from catalog.errors import InvalidInput
from catalog.i18n import N_, _
from catalog.metadata import NAME_RE
from catalog.text import nfc, nfc_value
from pipelines.etl import schedule as schedules
from pipelines.etl.options import Opt, check_options, describe_value, unknown_message
from pipelines.etl.steps import ALIASES, STEPS, get_step

READ_OPTIONS = {
    "format": Opt("str", choices=("csv", "tsv", "xlsx", "json", "ndjson", "parquet"),
                  doc="file format (default: from the file name)"),
    "encoding": Opt("str", doc="text encoding of a CSV, e.g. utf-8, utf-16, cp1258"),
    "sheet": Opt("any", doc="xlsx sheet name or number (1 = first)"),
    "header_row": Opt("int", default=1, minimum=1, doc="line/row holding the column names (rows above are titles)"),
    "delimiter": Opt("str", doc="CSV delimiter, e.g. ';'"),
    "columns": Opt("strs", doc="the columns the source must have (a changed layout fails the run)"),
}
SOURCE_KINDS: dict[str, dict[str, Opt]] = {
    "path": {
        "path": Opt("str", required=True, doc=N_("một tệp hoặc một mẫu glob, tính từ tệp quy trình")),
        "pick": Opt("str", default="newest", choices=("newest", "all", "new"),
                    doc="for a glob: the newest file, all files in name order, or the files not yet taken"),
        "filename_column": Opt("str", doc="add a column holding each row's file name"),
        **READ_OPTIONS,
    },
    "url": {
        "url": Opt("str", required=True, doc=N_("một URL http(s)")),
        "timeout": Opt("int", default=60, minimum=1, doc="seconds"),
        "max_mb": Opt("int", default=2048, minimum=1, doc="refuse larger downloads"),
        **READ_OPTIONS,
    },
    "ckan": {
        "ckan": Opt("str", required=True, doc=N_("địa chỉ gốc của cổng CKAN")),
        "resource": Opt("str", required=True, doc=N_("mã (id) của tài nguyên")),
        "api_key_env": Opt("str", doc="environment variable holding an API token (never the token itself)"),
        "timeout": Opt("int", default=60, minimum=1, doc="seconds"),
        "max_mb": Opt("int", default=2048, minimum=1, doc="refuse larger downloads"),
        **READ_OPTIONS,
    },
    "database": {
        "database": Opt("str", doc="a SQLAlchemy URL, e.g. sqlite:///so-y-te.db (relative to the pipeline file)"),
        "database_env": Opt("str", doc="or: the environment variable holding the URL (keeps passwords out)"),
        "query": Opt("str", required=True, doc=N_("truy vấn SQL chạy trên cơ sở dữ liệu của sở, ngành")),
        "columns": READ_OPTIONS["columns"],
    },
    "dataset": {
        "dataset": Opt("str", required=True, doc=N_("một bộ dữ liệu của danh mục này")),
        "version": Opt("int", minimum=1, doc="a version number (default: the latest)"),
        "columns": READ_OPTIONS["columns"],
    },
}
KIND_KEYS = {"path": "path", "url": "url", "ckan": "ckan", "database": "database", "database_env": "database",
             "dataset": "dataset"}
TARGET = {
    "dataset": Opt("str", required=True, doc=N_("bộ dữ liệu cần công bố (chữ thường a-z, 0-9, '-')")),
    "org": Opt("str", doc="the publishing organisation (required for a new dataset)"),
    "schema": Opt("schema", doc="standard schema name, JSON file (relative to the pipeline file) or inline"),
    "title": Opt("str"), "description": Opt("str"), "license": Opt("str"), "tags": Opt("strs"),
    "title_en": Opt("str"), "description_en": Opt("str"),
    "frequency": Opt("str"), "source": Opt("str", doc="where the data comes from (shown on the dataset page)"),
    "contact": Opt("str"), "temporal_coverage": Opt("str"), "spatial_coverage": Opt("str"),
}
PUBLISH = {
    "mode": Opt("str", default="replace", choices=("replace", "append"),
                doc="replace: a new full version; append: a version that adds rows"),
    "key": Opt("strs", doc="append: columns whose values may not repeat across the dataset"),
    "allow_empty": Opt("bool", default=False, doc="publish even when the steps leave no rows"),
    "privacy_override": Opt("str", doc="a written reason to publish despite personal-data findings (audited)"),
    "note": Opt("str", doc="a note stored with each version"),
}
TOP = {
    "name": Opt("str", doc="the pipeline's name (default: the file name)"),
    "title": Opt("str"),
    "description": Opt("str"),
    "source": Opt("map", required=True, doc=N_("dữ liệu lấy từ đâu")),
    "steps": Opt("any", default=[], doc="the transform steps, in order"),
    "target": Opt("map", required=True, doc=N_("bộ dữ liệu cần công bố")),
    "publish": Opt("map", doc="how to publish"),
    "schedule": Opt("str", doc="hourly, daily, weekly, monthly or a cron expression"),
}


@dataclass(frozen=True)
class Issue:
    """One problem in a pipeline file: where (line, part) and what."""

    line: int | None
    where: str
    message: str

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return _("dòng {line}: {problem}", line=self.line, problem=text) if self.line else text


class SourceError(InvalidInput):
    """The source cannot be reached or read, or it no longer has the layout the pipeline expects."""


def pipeline_named(label: str) -> str:
    """``quy trình 'x' (x.yaml)`` (English: ``pipeline 'x' (x.yaml)``): how every message about a pipeline starts."""
    return _("quy trình {label}", label=label)


class PipelineError(InvalidInput):
    """A pipeline file that cannot run as written; carries every issue found."""

    def __init__(self, label: str, issues: list[Issue]) -> None:
        first = str(issues[0])
        if len(issues) > 1:
            super().__init__(_("{pipeline}: {problem} (và {count} vấn đề khác)", pipeline=pipeline_named(label),
                               problem=first, count=len(issues) - 1),
                             hint=_("'opendata pipeline validate TỆP' liệt kê mọi vấn đề"))
        else:
            super().__init__(f"{pipeline_named(label)}: {first}")
        self.label = label
        self.issues = issues


@dataclass
class StepSpec:
    index: int  # 1-based, as people count
    type: str
    options: dict
    line: int | None = None

    @property
    def label(self) -> str:
        return _("bước {index} ({type})", index=self.index, type=self.type)


@dataclass
class Pipeline:
    name: str
    base_dir: Path
    source: dict
    source_kind: str
    steps: list[StepSpec]
    target: dict
    publish: dict
    schedule: str | None = None
    title: str = ""
    description: str = ""
    path: Path | None = None
    lines: dict[tuple, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.name!r} ({self.path.name})" if self.path else repr(self.name)

    @property
    def mode(self) -> str:
        return self.publish.get("mode", "replace")

    def line_of(self, *path: Any) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    def definition_sha256(self, schema: dict | None) -> str:
        """What the output depends on besides the source: steps, target, publish settings, the schema."""
        body = {"source": {k: v for k, v in self.source.items() if k != "pick"}, "steps":
                [[s.type, s.options] for s in self.steps], "target": self.target,
                "publish": {k: v for k, v in self.publish.items() if k != "privacy_override"}, "schema": schema}
        return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


# -- YAML with line numbers -------------------------------------------------------------------------------------------
def _walk(node: yaml.Node, path: tuple, lines: dict[tuple, int], issues: list[Issue]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            key = nfc(key)
            if key in seen:
                issues.append(Issue(key_node.start_mark.line + 1, ".".join(map(str, path)) or "file",
                                    _("khoá {key} xuất hiện hai lần (khoá thứ hai sẽ âm thầm được dùng)",
                                      key=repr(key))))
            seen.add(key)
            lines[path + (key,)] = key_node.start_mark.line + 1
            _walk(value_node, path + (key,), lines, issues)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            _walk(item, path + (i,), lines, issues)




def parse_yaml(text: str, label: str) -> tuple[Any, dict[tuple, int], list[Issue]]:
    lines: dict[tuple, int] = {}
    issues: list[Issue] = []
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        raise PipelineError(label, [Issue(mark.line + 1 if mark else None, "",
                                          _("không phải YAML hợp lệ: {problem}", problem=problem))]) from None
    if node is not None:
        _walk(node, (), lines, issues)
    return nfc_value(data), lines, issues


# -- checking -------------------------------------------------------------------------------------------------------
def _step_parts(raw: Any) -> tuple[str | None, Any, tuple, str | None]:
    """(type, options, path of the options relative to the step, problem) for both step spellings."""
    if isinstance(raw, str):
        return raw, {}, (), None
    if not isinstance(raw, dict) or not raw:
        return None, None, (), _("một bước phải là một ánh xạ (mapping) như '- rename: {example}', không phải "
                                 "{value}", example="{...}", value=describe_value(raw))
    if "type" in raw:
        return raw["type"], {k: v for k, v in raw.items() if k != "type"}, (), None
    if len(raw) != 1:
        return None, None, (), _("một bước là một khoá ánh xạ duy nhất (loại bước) kèm các tuỳ chọn của nó, ví dụ "
                                 "'- rename: {example}'; hoặc ghi 'type:'. Các khoá tìm thấy: {keys}",
                                 example="{columns: {...}}", keys=", ".join(map(str, raw)))
    (kind, options), = raw.items()
    return kind, ({} if options is None else options), (kind,), None


def source_kind(source: dict) -> tuple[str | None, str | None]:
    kinds = sorted({KIND_KEYS[k] for k in source if k in KIND_KEYS})
    if not kinds:
        return None, _("nguồn cần một trong: path, url, ckan, database, dataset")
    if len(kinds) > 1:
        return None, _("nguồn ghi nhiều loại ({kinds}): hãy giữ một", kinds=", ".join(kinds))
    return kinds[0], None


def check_definition(data: Any, lines: dict[tuple, int], label: str) -> list[Issue]:
    issues: list[Issue] = []

    def add(path: tuple, where: str, message: str) -> None:
        line = None
        probe = path
        while probe and line is None:
            line = lines.get(probe)
            probe = probe[:-1]
        issues.append(Issue(line or lines.get(()), where, message))

    if not isinstance(data, dict):
        return [Issue(1, "", _("một tệp quy trình là một ánh xạ YAML (source, steps, target, ...), không phải "
                               "{value}", value=describe_value(data)))]
    for path, message in check_options(data, TOP, _("khoá")):
        add(path, "", message)
    if isinstance(data.get("name"), str) and not NAME_RE.match(data["name"]):
        add(("name",), "name", _("hãy dùng chữ thường a-z, chữ số và '-', ví dụ 'tourism-monthly'"))
    source = data.get("source")
    kind = None
    if isinstance(source, dict):
        kind, problem = source_kind(source)
        if problem:
            add(("source",), "source", problem)
        else:
            for path, message in check_options(source, SOURCE_KINDS[kind]):
                add(("source",) + path, "source", message)
            if kind == "database" and ("database" in source) == ("database_env" in source):
                add(("source",), "source", _("hãy ghi hoặc 'database' hoặc 'database_env'"))
    target = data.get("target")
    if isinstance(target, dict):
        for path, message in check_options(target, TARGET):
            add(("target",) + path, "target", message)
        if isinstance(target.get("dataset"), str) and not NAME_RE.match(target["dataset"]):
            add(("target", "dataset"), "target", _("tên bộ dữ liệu {name} không hợp lệ: hãy dùng chữ thường a-z, "
                                                   "chữ số và '-'", name=repr(target["dataset"])))
    publish = data.get("publish") or {}
    if isinstance(publish, dict):
        for path, message in check_options(publish, PUBLISH):
            add(("publish",) + path, "publish", message)
        mode = publish.get("mode", "replace")
        if "key" in publish and mode != "append":
            add(("publish", "key"), "publish", _("'key' chỉ áp dụng cho mode: append"))
        if isinstance(source, dict) and source.get("pick") == "new" and mode != "append":
            add(("source", "pick"), "source", _("pick: new (chỉ các tệp chưa lấy trước đó) cần publish mode: "
                                                "append"))
    if isinstance(data.get("schedule"), str):
        try:
            schedules.parse(data["schedule"])
        except ValueError as error:
            add(("schedule",), "schedule", str(error))
    steps = data.get("steps", [])
    if steps is None:
        steps = []
    if not isinstance(steps, list):
        add(("steps",), "steps", _("steps phải là một danh sách, không phải {value}", value=describe_value(steps)))
        steps = []
    for i, raw in enumerate(steps):
        kind_name, options, rel, problem = _step_parts(raw)
        if isinstance(kind_name, str):
            where = _("bước {index} ({type})", index=i + 1, type=kind_name)
        else:
            where = _("bước {index}", index=i + 1)
        base = ("steps", i) + rel
        if problem:
            add(("steps", i), where, problem)
            continue
        module = get_step(kind_name) if isinstance(kind_name, str) else None
        if module is None:
            add(("steps", i), where, unknown_message(kind_name, sorted(STEPS) + sorted(ALIASES), _("bước")))
            continue
        extra = getattr(module, "check", None)
        for path, message in check_options(options, module.OPTIONS, None, extra):
            add(base + path, where, message)
    return issues


def load_pipeline(path: str | Path) -> Pipeline:
    """Read and check a pipeline file; raises ``PipelineError`` listing every problem."""
    path = Path(path)
    label = path.name
    if not path.is_file():
        raise PipelineError(label, [Issue(None, "", _("không tìm thấy tệp: {path}", path=path))])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise PipelineError(label, [Issue(None, "", _("không phải văn bản UTF-8 (byte {byte})",
                                                      byte=error.start))]) from None
    return parse_pipeline(text, base_dir=path.resolve().parent, path=path.resolve())


def parse_pipeline(text: str, *, base_dir: Path, path: Path | None = None, name: str | None = None) -> Pipeline:
    label = path.name if path else (name or "<text>")
    data, lines, issues = parse_yaml(text, label)
    issues += check_definition(data, lines, label)
    if issues:
        raise PipelineError(label, sorted(issues, key=lambda i: (i.line or 0)))
    default_name = (path.stem if path else name) or "pipeline"
    pipeline_name = data.get("name") or default_name.lower().replace("_", "-").replace(".", "-")
    if not NAME_RE.match(pipeline_name):
        raise PipelineError(label, [Issue(None, "name", _("tên tệp {name} không dùng được làm tên quy trình: hãy "
                                                          "thêm 'name: ten-nao-do' (a-z, 0-9, '-')",
                                                          name=repr(default_name)))])
    steps = []
    for i, raw in enumerate(data.get("steps") or []):
        kind_name, options, _rel, _problem = _step_parts(raw)
        canonical = ALIASES.get(kind_name, kind_name)
        module = STEPS[canonical]
        full = {**{k: o.default for k, o in module.OPTIONS.items() if o.default is not None}, **options}
        steps.append(StepSpec(i + 1, canonical, full, lines.get(("steps", i))))
    kind, _problem = source_kind(data["source"])
    source = {**{k: o.default for k, o in SOURCE_KINDS[kind].items() if o.default is not None}, **data["source"]}
    publish = {**{k: o.default for k, o in PUBLISH.items() if o.default is not None}, **(data.get("publish") or {})}
    return Pipeline(name=pipeline_name, base_dir=base_dir, source=source, source_kind=kind, steps=steps,
                    target=dict(data["target"]), publish=publish, schedule=data.get("schedule"),
                    title=data.get("title") or "", description=data.get("description") or "", path=path,
                    lines=lines)


def pipeline_name_of(path: str | Path) -> str:
    """The name a run of this file is recorded under, even when the file does not load."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
        if isinstance(data, dict) and isinstance(data.get("name"), str) and NAME_RE.match(data["name"]):
            return data["name"]
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        pass
    return path.stem.lower().replace("_", "-").replace(".", "-")[:100] or "pipeline"


def find_pipelines(folder: str | Path) -> list[Path]:
    """The pipeline files in a folder (``*.yaml``, ``*.yml``), sorted by name."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".yaml", ".yml") and p.is_file())
