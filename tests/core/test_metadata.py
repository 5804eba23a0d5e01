"""metadata.txt: what QGIS reads to list and load the plugin.

No placeholder addresses: keys for a homepage, tracker, repository or e-mail are present
only with real values (none exists; see README, "Where the plugin is published"), and the
plugin declares Qt6 support (checked by .ci/qt6_check.py in `make lint`).
"""

from __future__ import annotations

import configparser

from tests.conftest import ROOT

METADATA = ROOT / "metadata.txt"


def general() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(METADATA, encoding="utf-8")
    return parser["general"]


def test_keys_qgis_needs_to_load_the_plugin():
    meta = general()
    for key in ("name", "qgisMinimumVersion", "description", "about", "version", "author"):
        assert meta.get(key, "").strip(), key
    assert meta["qgisMinimumVersion"] == "3.22"


def test_no_placeholder_addresses():
    text = METADATA.read_text(encoding="utf-8")
    assert "example.org" not in text and "example.com" not in text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for key in ("homepage", "tracker", "repository"):
        value = general().get(key)
        assert value is None or value in readme, (key, value)  # documented if present


def test_declares_qt6_support():
    assert general()["supportsQt6"] == "True"
