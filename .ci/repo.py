"""Write a QGIS plugin repository: ``dist/repo/plugins.xml`` beside ``lever_grid.zip``.

QGIS's Plugin Manager reads it from a custom repository URL (Settings › Plugins ›
Repositories › Add…): an intranet web server (``http://server/lever-grid/plugins.xml``)
or a shared folder (``file:///S:/lever-grid/plugins.xml``). The format is the one QGIS's
own installer parses (pyplugin_installer/installer_data.py, ``xmlDownloaded``): one
``<pyqgis_plugin name=… version=…>`` per plugin with ``download_url``, ``file_name``
(whose stem becomes the plugin's folder, ``lever_grid``), ``qgis_minimum_version`` and the
metadata.txt fields.

    python .ci/repo.py [OUT_DIR] [BASE_URL]

``make repo`` also fills ``OUT_DIR/wheels`` (.ci/wheels.py) for the offline Install
dependencies…; plugins.xml names it in a comment.

BASE_URL is where OUT_DIR will be served from (default: OUT_DIR as a ``file://`` URL, for
a shared folder). Example: ``make repo REPO_URL=http://intranet.example/lever-grid/``.
"""

from __future__ import annotations

import configparser
import datetime as dt
import shutil
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".ci"))

import package  # noqa: E402 - .ci/package.py builds the zip

FIELDS = {  # plugins.xml element -> metadata.txt key
    "description": "description", "about": "about", "author_name": "author",
    "author_email": "email", "homepage": "homepage", "tracker": "tracker",
    "repository": "repository", "tags": "tags", "category": "category",
    "changelog": "changelog", "qgis_minimum_version": "qgisMinimumVersion",
    "qgis_maximum_version": "qgisMaximumVersion", "experimental": "experimental",
    "deprecated": "deprecated",
}


def metadata(path: Path = ROOT / "metadata.txt") -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path, encoding="utf-8")
    return dict(parser["general"])


def plugins_xml(meta: dict[str, str], base_url: str, zip_name: str, icon: str | None,
                date: str) -> bytes:
    root = ET.Element("plugins")
    root.append(ET.Comment(
        " Offline dependencies: the folder wheels/ beside this file (make repo, .ci/wheels.py)."
        " In QGIS: Vector > Lever Grid > Install dependencies... > From a folder of wheels...,"
        " choose that folder (from a web server: copy it to a local or shared folder first). "))
    node = ET.SubElement(root, "pyqgis_plugin", name=meta["name"], version=meta["version"])
    ET.SubElement(node, "version").text = meta["version"]
    for element, key in FIELDS.items():
        key = key.lower()  # configparser lower-cases keys
        if meta.get(key):
            ET.SubElement(node, element).text = meta[key]
    ET.SubElement(node, "file_name").text = zip_name
    ET.SubElement(node, "download_url").text = base_url + zip_name
    if icon:
        ET.SubElement(node, "icon").text = base_url + icon
    ET.SubElement(node, "create_date").text = date
    ET.SubElement(node, "update_date").text = date
    ET.SubElement(node, "trusted").text = "True"
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") \
        + b"\n"


def main(out: str = "dist/repo", base_url: str | None = None) -> Path:
    out_dir = (ROOT / out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    zip_path = out_dir / "lever_grid.zip"
    shutil.copyfile(package.main("dist/lever_grid.zip"), zip_path)
    meta = metadata()
    icon = None
    if meta.get("icon"):
        source = ROOT / meta["icon"]
        if source.is_file():
            icon = "lever_grid" + source.suffix
            shutil.copyfile(source, out_dir / icon)
    base_url = base_url or out_dir.as_uri() + "/"
    if not base_url.endswith("/"):
        base_url += "/"
    date = dt.datetime.fromtimestamp(zip_path.stat().st_mtime, dt.UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    xml = plugins_xml(meta, base_url, zip_path.name, icon, date)
    tmp = out_dir / "plugins.xml.part"
    tmp.write_bytes(xml)
    tmp.replace(out_dir / "plugins.xml")
    print(f"wrote {out_dir / 'plugins.xml'} (download {base_url}{zip_path.name})")
    return out_dir / "plugins.xml"


if __name__ == "__main__":
    main(*sys.argv[1:])
