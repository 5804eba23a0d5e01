"""Start-up inside QGIS: check the Python packages before the engine is imported.

``load(iface)`` is what ``classFactory`` returns. With everything present and safe it is the
real :class:`~lever_grid.qgis_plugin.plugin.LeverGridPlugin`; otherwise
:class:`DependenciesPlugin`, which registers no Processing provider, shows ONE translated
message-bar message naming what is missing and the fix for this platform, logs the same
line to the message log, and offers **Install dependencies…** (pip into the profile's
``python/dependencies`` folder, from PyPI or offline from a folder of wheels). After a
successful install it activates the real plugin at once when it can, otherwise it asks
for a restart. Nothing here raises into QGIS: no Python error dialog, no traceback.
"""

from __future__ import annotations

from qgis.core import Qgis, QgsApplication, QgsMessageLog, QgsSettings, QgsTask
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtWidgets import QAction, QFileDialog, QMessageBox, QPushButton

from .. import deps
from .i18n import load_translation

TAG = "Lever Grid"
_LOGGED: set[str] = set()  # qgis_process may create the plugin twice: log each text once
WHEEL_FOLDER_KEY = "lever_grid/wheel_folder"
HEADERS = {"GEOS": "libgeos-dev", "GDAL": "libgdal-dev"}  # Debian/Ubuntu packages


def tr(text: str) -> str:
    return QCoreApplication.translate("LeverGrid", text)


def host_versions() -> tuple[str | None, str | None]:
    """(GEOS, GDAL) as QGIS links them."""
    geos = Qgis.geosVersion() if hasattr(Qgis, "geosVersion") else None
    try:
        from osgeo import gdal

        gdal_version = gdal.__version__
    except Exception:  # noqa: BLE001 - no GDAL bindings: skip that comparison
        gdal_version = None
    return geos, gdal_version


def dependencies_folder():
    return deps.dependencies_dir(QgsApplication.qgisSettingsDirPath())


def current_report() -> deps.Report:
    deps.add_to_path(dependencies_folder())
    geos, gdal_version = host_versions()
    return deps.check(host_geos=geos, host_gdal=gdal_version,
                      need_pyogrio=deps.PYOGRIO_NEEDED_IN_QGIS)


def load(iface):
    """The plugin object for ``classFactory``: never raises."""
    try:
        report = current_report()
    except Exception as exc:  # noqa: BLE001 - a checker bug must not break QGIS's start
        return DependenciesPlugin(iface, deps.Report(), error=f"{type(exc).__name__}: {exc}")
    if not report.ok:
        return DependenciesPlugin(iface, report)
    try:
        from .plugin import LeverGridPlugin

        return LeverGridPlugin(iface)
    except Exception as exc:  # noqa: BLE001 - reported in one line, never a traceback
        return DependenciesPlugin(iface, report, error=f"{type(exc).__name__}: {exc}")


def problem_text(status: deps.Status) -> str:
    req = status.requirement
    if status.problem == "missing":
        return tr("{name} is missing.").format(name=req.module)
    if status.problem == "old":
        return tr("{name} {version} is too old (needs {minimum} or later).").format(
            name=req.module, version=status.version, minimum=req.minimum)
    if status.problem == "unsafe" and status.mixing is not None:
        return tr("{name} {version} cannot be used inside QGIS: {reason}.").format(
            name=req.module, version=status.version, reason=mixing_text(status.mixing))
    return tr("{name} {version} does not import: {detail}.").format(
        name=req.module, version=status.version or "", detail=status.detail)


def mixing_text(clash: deps.Mixing) -> str:
    return tr("its wheel carries {library} {bundled} but QGIS uses {library} {host}; two "
              "copies in one process crash QGIS. Build {package} against QGIS's {library} "
              "instead: pip install --no-binary {package} {package}").format(
        library=clash.library, bundled=clash.bundled, host=clash.host, package=clash.package)


def build_failure_text(clash: deps.Mixing, error: str, reason: str) -> str:
    if "Could not find a version" in error:  # no source archive (offline wheel folder)
        return tr("{reason} There is no source archive of {package} to build it from "
                  "({error}).").format(reason=reason, package=clash.package, error=error)
    return tr("{reason} Building it failed: {error}. It needs a C compiler and the headers, "
              "e.g. sudo apt install build-essential python3-dev {headers}").format(
        reason=reason, error=error, headers=HEADERS.get(clash.library, ""))


def fix_text(report: deps.Report, kind: str | None = None) -> str:
    kind = kind or deps.platform_kind()
    command = deps.fix_command(report.problems, kind)
    if kind == "windows":
        return tr("Fix: in the OSGeo4W Shell run {command}, or click Install "
                  "dependencies…").format(command=command)
    if kind == "debian-old":
        return tr("This system's own packages are too old. Fix: run {command} in a terminal, "
                  "then click Install dependencies… (it builds shapely and pyogrio against "
                  "QGIS's GEOS and GDAL).").format(command=command)
    return tr("Fix: in a terminal run {command}, or click Install dependencies…").format(
        command=command)


def message_text(report: deps.Report, error: str = "", kind: str | None = None) -> str:
    if error:
        return tr("Lever Grid could not start: {error}").format(error=error)
    problems = " ".join(problem_text(s) for s in report.problems)  # one sentence each
    return tr("Lever Grid is not active. {problems}").format(problems=problems) + " " + \
        fix_text(report, kind)


class DependenciesPlugin:
    """Stands in for the plugin while its Python packages are missing or unsafe."""

    def __init__(self, iface, report: deps.Report, error: str = "") -> None:
        self.iface = iface
        self.report = report
        self.error = error
        self.translator = load_translation()
        self.action: QAction | None = None
        self.message = None
        self.real = None            # the real plugin once activated
        self.task = None
        self.last_install: deps.InstallResult | None = None
        self.text = message_text(report, error)
        if self.text not in _LOGGED:
            _LOGGED.add(self.text)
            QgsMessageLog.logMessage(self.text, TAG, Qgis.MessageLevel.Warning)

    def __getattr__(self, name):
        real = self.__dict__.get("real")
        if real is None:
            raise AttributeError(name)
        return getattr(real, name)

    def initProcessing(self) -> None:
        """Registers nothing: no half-working algorithms."""

    def initGui(self) -> None:
        window = self.iface.mainWindow()
        self.action = QAction(tr("Install dependencies…"), window)
        self.action.triggered.connect(lambda: self.install_dependencies())
        self.iface.addPluginToVectorMenu(tr("Lever Grid"), self.action)
        self.show_message(self.text, Qgis.MessageLevel.Warning, with_button=True)

    def show_message(self, text: str, level, with_button: bool = False) -> None:
        bar = self.iface.messageBar()
        if self.message is not None:
            try:
                bar.popWidget(self.message)
            except RuntimeError:
                pass
        self.message = bar.createMessage(tr("Lever Grid"), text)
        if with_button and not self.error:
            button = QPushButton(tr("Install dependencies…"), self.message)
            button.clicked.connect(lambda: self.install_dependencies())
            self.message.layout().addWidget(button)
        bar.pushWidget(self.message, level, 0)

    def unload(self) -> None:
        if self.real is not None:
            self.real.unload()
        if self.action is not None:
            self.iface.removePluginVectorMenu(tr("Lever Grid"), self.action)
            self.action = None
        if self.message is not None:
            try:
                self.iface.messageBar().popWidget(self.message)
            except RuntimeError:
                pass
            self.message = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)

    # --- the installer ---------------------------------------------------------------------

    def ask_source(self):
        """(go, wheel folder or None) from the user."""
        box = QMessageBox(self.iface.mainWindow())
        box.setWindowTitle(tr("Install dependencies…"))
        names = ", ".join(s.requirement.spec for s in self.report.installable)
        box.setText(tr("Install {packages} into {folder}?").format(
            packages=names, folder=str(dependencies_folder())))
        online = box.addButton(tr("From the internet (PyPI)"), QMessageBox.ButtonRole.AcceptRole)
        offline = box.addButton(tr("From a folder of wheels…"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() is online:
            return True, None
        if box.clickedButton() is offline:
            settings = QgsSettings()
            folder = QFileDialog.getExistingDirectory(
                self.iface.mainWindow(), tr("Folder of wheels (.whl)"),
                settings.value(WHEEL_FOLDER_KEY, "", type=str))
            if folder:
                settings.setValue(WHEEL_FOLDER_KEY, folder)
                return True, folder
        return False, None

    def install_dependencies(self, wheel_dir: str | None = None, interactive: bool = True):
        """Run pip in a background task; the message bar reports the outcome."""
        if self.task is not None or not self.report.installable:
            if not self.report.installable:
                self.show_message(self.text, Qgis.MessageLevel.Warning)
            return
        if interactive:
            go, wheel_dir = self.ask_source()
            if not go:
                return
        geos, gdal_version = host_versions()
        target = dependencies_folder()
        report = self.report

        def work(task):
            return deps.install(report, target, wheel_dir=wheel_dir, host_geos=geos,
                                host_gdal=gdal_version)

        self.task = QgsTask.fromFunction(tr("Installing Lever Grid dependencies"), work,
                                         on_finished=self._installed)
        self.show_message(tr("Installing Lever Grid dependencies"), Qgis.MessageLevel.Info)
        QgsApplication.taskManager().addTask(self.task)

    def _installed(self, exception, result=None) -> None:
        self.task = None
        if exception is not None or result is None:
            result = deps.InstallResult(False, message=f"{type(exception).__name__}: "
                                                       f"{exception}")
        self.last_install = result
        level = Qgis.MessageLevel.Info if result.ok else Qgis.MessageLevel.Critical
        QgsMessageLog.logMessage(result.message, TAG, level)
        if result.log:
            QgsMessageLog.logMessage(result.log, TAG, Qgis.MessageLevel.Info)
        if not result.ok:
            reason = mixing_text(result.mixing) if result.mixing else result.message
            if result.build_error and result.mixing:
                reason = build_failure_text(result.mixing, result.build_error, reason)
            self.show_message(tr("Installing the dependencies failed: {reason}").format(
                reason=reason), Qgis.MessageLevel.Critical, with_button=True)
            return
        packages = ", ".join(result.installed) or "-"
        # packages the failed check imported stay loaded in this session: restart then
        if not self.report.imported and self.activate():
            self.show_message(tr("Installed {packages}. Lever Grid is active.").format(
                packages=packages), Qgis.MessageLevel.Success)
        else:
            self.show_message(tr("Installed {packages}. Restart QGIS to activate Lever "
                                 "Grid.").format(packages=packages), Qgis.MessageLevel.Success)

    def activate(self) -> bool:
        """Start the real plugin now that the packages are there; False if not yet."""
        report = current_report()
        if not report.ok:
            self.report, self.text = report, message_text(report)
            return False
        try:
            from .plugin import LeverGridPlugin

            real = LeverGridPlugin(self.iface)
            real.initGui()
        except Exception as exc:  # noqa: BLE001 - one line, never a traceback
            self.error = f"{type(exc).__name__}: {exc}"
            QgsMessageLog.logMessage(self.error, TAG, Qgis.MessageLevel.Critical)
            return False
        self.real = real
        if self.action is not None:
            self.iface.removePluginVectorMenu(tr("Lever Grid"), self.action)
            self.action = None
        return True
