"""A thin shared base for lever_grid's Processing algorithms."""

from __future__ import annotations

import os

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
)
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from ...core.errors import InputError
from ...core.progress import Progress
from ...paths import resources_dir
from ..convert import raise_processing, source_to_gdf

ICON = resources_dir() / "icons" / "lever_grid.svg"


class LeverGridAlgorithm(QgsProcessingAlgorithm):
    """Common name/group/icon/translation plumbing; subclasses set NAME and LABEL."""

    NAME = ""
    LABEL = ""
    HELP = ""

    def tr(self, text: str) -> str:
        return QCoreApplication.translate("LeverGrid", text)

    def createInstance(self):
        return type(self)()

    def name(self) -> str:
        return self.NAME

    def displayName(self) -> str:
        return self.tr(self.LABEL)

    def group(self) -> str:
        return self.tr("Lever Grid")

    def groupId(self) -> str:
        return "levergrid"

    def shortHelpString(self) -> str:
        return self.tr(self.HELP)

    def icon(self) -> QIcon:
        return QIcon(str(ICON))

    @staticmethod
    def progress(feedback: QgsProcessingFeedback) -> Progress:
        """Core callbacks wired to the Processing feedback (progress, cancel, log)."""
        return Progress(lambda f: feedback.setProgress(100.0 * f), feedback.isCanceled,
                        feedback.pushInfo)

    def add_param(self, param, help_text: str, advanced: bool = False) -> None:
        """Add a parameter with its (translated) help text; ``advanced`` folds it away."""
        if advanced:
            param.setFlags(param.flags() | param.FlagAdvanced)
        param.setHelp(self.tr(help_text))
        self.addParameter(param)

    def source_gdf(self, parameters, key: str, context, role: str):
        """The feature source behind ``key`` as a GeoDataFrame (``None`` when unset)."""
        source = self.parameterAsSource(parameters, key, context)
        if source is None:
            return None
        value = parameters.get(key)
        name = value if isinstance(value, str) else getattr(value, "name", lambda: role)()
        return source_to_gdf(source, str(name), role)

    def add_kinds_param(self) -> None:
        """KINDS: which camera classes count (several; empty = all)."""
        from qgis.core import QgsProcessingParameterEnum

        from ...core.inputs.cameras import KINDS

        self.add_param(QgsProcessingParameterEnum(
            "KINDS", self.tr("Camera kinds that count"), options=list(KINDS),
            allowMultiple=True, optional=True),
            "Leave empty for all kinds; e.g. only public1 and public2 for public cameras.")

    def kinds(self, parameters, context) -> list[str] | None:
        """The chosen camera kinds, ``None`` for all."""
        from ...core.inputs.cameras import KINDS

        if parameters.get("KINDS") in (None, "", []):
            return None
        return [KINDS[i] for i in self.parameterAsEnums(parameters, "KINDS", context)]

    def add_cell_column_params(self, parent: str = "CELLS") -> None:
        """CELL_ID_COLUMN, OFFICE_COLUMN, OFFICER_COLUMN (advanced): columns of ``parent``."""
        from qgis.core import QgsProcessingParameterField

        self.add_param(QgsProcessingParameterField(
            "CELL_ID_COLUMN", self.tr("Cell id column"), parentLayerParameterName=parent,
            optional=True),
            "The column holding cell_id when it is not found by name (cell_id, 网格编号, 网格号).",
            advanced=True)
        self.add_param(QgsProcessingParameterField(
            "OFFICE_COLUMN", self.tr("Police office column"), parentLayerParameterName=parent,
            optional=True),
            "The column holding the police office when it is not found by name "
            "(police_office, police_off, 警务室, 派出所).",
            advanced=True)
        self.add_param(QgsProcessingParameterField(
            "OFFICER_COLUMN", self.tr("Officer column"), parentLayerParameterName=parent,
            optional=True),
            "The column holding the community officer when it is not found by name "
            "(officer, 社区民警, 民警).",
            advanced=True)

    def optional_text(self, parameters, key: str, context) -> str | None:
        """A string or field parameter's value, ``None`` when unset or blank."""
        if not parameters.get(key):
            return None
        return self.parameterAsString(parameters, key, context).strip() or None

    def cell_columns(self, parameters, context) -> dict:
        """Field → column chosen with :meth:`add_cell_column_params` (None when unset)."""
        def value(key):
            return self.optional_text(parameters, key, context)

        return {"cell_id": value("CELL_ID_COLUMN"), "police_office": value("OFFICE_COLUMN"),
                "officer": value("OFFICER_COLUMN")}

    def cells_gdf(self, parameters, key: str, context, progress, role: str = "cells"):
        """The cells behind ``key`` with the chosen columns renamed (None when unset)."""
        from ...core.inputs.fields import rename_fields

        cells = self.source_gdf(parameters, key, context, role)
        if cells is None:
            return None
        return rename_fields(cells, "cells", self.cell_columns(parameters, context), progress)

    def add_incident_column_params(self, parent: str = "INCIDENTS") -> None:
        """DATE_COLUMN, ID_COLUMN, CATEGORY_COLUMN, UTC_OFFSET (advanced)."""
        from qgis.core import QgsProcessingParameterField, QgsProcessingParameterString

        self.add_param(QgsProcessingParameterField(
            "DATE_COLUMN", self.tr("Incident date column"), parentLayerParameterName=parent,
            optional=True),
            "The column holding the incident date or time when it is not found by name "
            "(occurred_at, 发案时间, 报警时间, date ...), e.g. death_date.",
            advanced=True)
        self.add_param(QgsProcessingParameterField(
            "ID_COLUMN", self.tr("Incident id column"), parentLayerParameterName=parent,
            optional=True),
            "The column holding the incident id (default: incident_id, 警情编号, 案件编号 ...).",
            advanced=True)
        self.add_param(QgsProcessingParameterField(
            "CATEGORY_COLUMN", self.tr("Incident category column"),
            parentLayerParameterName=parent, optional=True),
            "The column holding the incident category (default: category, 类别, 案件类别 ...).",
            advanced=True)
        self.add_param(QgsProcessingParameterString(
            "UTC_OFFSET", self.tr("Local time (UTC offset)"), defaultValue="+08:00",
            optional=True),
            "Times that carry a zone (Z, +00:00) are converted to this local time; times "
            "without a zone are taken as local already. Default +08:00, China Standard Time.",
            advanced=True)

    def incident_columns(self, parameters, context) -> dict:
        """Keyword arguments of normalize_incidents from :meth:`add_incident_column_params`."""
        def value(key):
            return self.optional_text(parameters, key, context)

        return {"date_column": value("DATE_COLUMN"), "id_column": value("ID_COLUMN"),
                "category_column": value("CATEGORY_COLUMN"), "utc_offset": value("UTC_OFFSET")}

    def period(self, parameters, key: str, context):
        """A START/END string parameter parsed by the core (``None`` when empty)."""
        text = self.parameterAsString(parameters, key, context).strip()
        if not text:
            return None
        from ...core.stats.periods import parse_period

        return parse_period(text, option=key)

    @staticmethod
    def write_gpkg(out: str, layers, parameters: dict) -> None:
        """Write ``layers`` atomically to ``out``; never over one of the inputs."""
        from ...core.fs import write_layers

        target = os.path.realpath(out)
        for key, value in parameters.items():
            path = value.split("|")[0] if isinstance(value, str) and key != "OUTPUT" else ""
            if path and os.path.exists(path) and os.path.realpath(path) == target:
                raise QgsProcessingException(
                    f"OUTPUT {out} would overwrite the {key} input; choose another file "
                    "(sources are never modified)")
        try:
            write_layers(out, layers)
        except InputError as err:
            raise_processing(err)


def load_outputs(out: str, layers, context: QgsProcessingContext) -> dict:
    """Results dict (OUTPUT + one key per layer) and layers loaded on completion."""
    results = {"OUTPUT": out}
    for layer in layers:
        uri = f"{out}|layername={layer}"
        results[layer.upper()] = uri
        details = QgsProcessingContext.LayerDetails(layer, context.project(), layer)
        context.addLayerToLoadOnCompletion(uri, details)
    return results
