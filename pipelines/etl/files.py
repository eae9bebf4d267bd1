"""Finding pipeline files: the default folder, and a pipeline given by path or by name.

Why apart from the runner: the CLI resolves what the user typed (a path, or a name in ``--dir``) before anything
runs, and ``run --due`` lists a folder; neither needs DuckDB or the publish machinery to do so.
"""

from __future__ import annotations

from pathlib import Path

from catalog.errors import NotFound
from catalog.i18n import _
from catalog.metadata import Catalog
from pipelines.etl.definition import find_pipelines, pipeline_name_of


def default_folder(catalog: Catalog) -> Path:
    """Where ``opendata run --due`` looks for pipeline files unless told (``$OPENDATA_PIPELINES``, ``--dir``)."""
    return catalog.home.root / "pipelines"


def resolve_pipeline_file(name_or_path: str | Path, folder: str | Path) -> Path:
    """A pipeline file given by path, or by its name among the files of ``folder``."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    for candidate in find_pipelines(folder):
        if name_or_path in (candidate.stem, pipeline_name_of(candidate)):
            return candidate
    raise NotFound(_("không tìm thấy quy trình {name}: không có tệp này, và không có quy trình nào tên đó trong "
                     "{folder}", name=repr(str(name_or_path)), folder=folder),
                   hint=_("hãy nhập đường dẫn tệp YAML, hoặc --dir THƯ_MỤC"))

