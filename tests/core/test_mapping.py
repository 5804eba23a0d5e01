"""The briefing map: every element drawn, Chinese text in a CJK font, metres, fallbacks.

The sample village's map is saved as tests/artifacts/briefing_map.png for people to
look at (tests/artifacts is git-ignored).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pytest
from matplotlib.text import Text
from PIL import Image

from lever_grid.core.briefing import mapping
from lever_grid.core.briefing.mapping import briefing_figure, cell_label, cjk_font, render_map
from lever_grid.core.progress import Progress
from tests.conftest import ARTIFACTS, ROOT, SAMPLE
from tests.core.test_export import sample_layers

LABEL = re.compile(r"^\d+\n([+-]\d+\.\d%|—)$")


@pytest.fixture(scope="module")
def roads():
    import geopandas as gpd

    return gpd.read_file(SAMPLE, layer="roads")


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def _have_cjk_font() -> bool:
    fc = shutil.which("fc-list")
    if fc is None:
        return False
    out = subprocess.run([fc, ":lang=zh", "family"], capture_output=True, text=True).stdout
    return bool(out.strip())


def test_cjk_font_is_found_when_installed():
    if not _have_cjk_font():
        pytest.fail(".ci/install-system installs fonts-noto-cjk; no CJK font found")
    family = cjk_font()
    assert family is not None and ("CJK" in family or "Hei" in family or "Han" in family)


def test_sample_map_shows_every_element(tmp_path, roads):
    layers = sample_layers()
    png, pdf = tmp_path / "map.png", tmp_path / "map.pdf"
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        fig = briefing_figure(layers, roads=roads, title="杨屋村 网格视频覆盖与盲区 Yangwu",
                              date="2025-06-01")
        render_map(layers, png, pdf=pdf, roads=roads, title="杨屋村 网格视频覆盖与盲区 Yangwu",
                   date="2025-06-01")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(png, ARTIFACTS / "briefing_map.png")

    texts = _texts(fig)
    joined = "\n".join(texts)
    assert "杨屋村 网格视频覆盖与盲区 Yangwu" in texts  # title
    assert any("2025-06-01" in t for t in texts)  # date
    labels = [t for t in texts if LABEL.match(t)]
    assert len(labels) == 14 and "11\n+18.2%" in labels and "8\n-81.0%" in labels
    assert fig.lever_grid["scale_m"] in (200.0, 250.0, 500.0)
    assert f"{fig.lever_grid['scale_m']:g} m" in texts  # scale bar in metres
    assert any(t.startswith("N") for t in texts)  # north arrow
    for entry in ("blind spot", "camera view", "road", "public1", "public2", "smart_eye",
                  "social", "enterprise", "offline"):
        assert entry in joined, entry
    assert "杨屋第11网格" in joined  # Chinese cell names in the side panel
    assert "大岭山派出所" in joined  # police offices under the title
    legend = [a for a in fig.axes[1].get_children() if type(a).__name__ == "Legend"]
    assert legend and len(legend[0].get_texts()) >= 9

    if fig.lever_grid["cjk"] is not None:
        from matplotlib.font_manager import findfont
        from matplotlib.ft2font import FT2Font

        title = next(t for t in fig.findobj(Text) if t.get_text().startswith("杨屋村"))
        font_file = findfont(title.get_fontproperties(), fallback_to_default=False)
        assert re.search(r"cjk|hei|han|wqy", font_file, re.I), font_file
        glyphs = set(FT2Font(font_file).get_charmap())
        drawn = {ord(c) for t in texts for c in t if not c.isspace()}
        assert drawn - glyphs == set()  # every character has a glyph: no boxes
        assert "盲区 blind spot" in joined and "N 北" in texts

    img = np.asarray(Image.open(png).convert("RGB"))
    assert img.shape[:2] == (1240, 1753)  # A4 landscape at 150 dpi
    title_band = img[20:70, 30:900]
    assert (title_band.min(axis=2) < 80).mean() > 0.02  # the title's ink is there
    reds = (img[..., 0] > 180) & (img[..., 1] < 90) & (img[..., 2] < 90)
    assert reds.mean() > 0.002  # red hatching of the blind spots
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000
    info = Image.open(png).info
    assert info.get("Software") == "lever_grid" and info.get("Title").startswith("杨屋村")


def test_geographic_layers_get_a_metric_scale_bar(roads):
    layers = {k: v.to_crs(4490) if hasattr(v, "crs") and v.crs else v
              for k, v in sample_layers().items()}
    fig = briefing_figure(layers, roads=roads.to_crs(4326))
    crs = fig.lever_grid["crs"]
    assert crs.is_projected and crs.to_epsg() == 4547  # CGCS2000 GK zone of 114°E
    assert fig.lever_grid["scale_m"] in (200.0, 250.0, 500.0)
    map_ax = next(a for a in fig.axes if a.get_gid() == "map")
    width = np.diff(map_ax.get_xlim())[0]
    assert 1500 < width < 3000  # metres, not degrees


def test_masked_counts_hide_the_change():
    fig = briefing_figure(sample_layers(), min_count=5)
    labels = [t for t in _texts(fig) if LABEL.match(t)]
    assert "2\n—" in labels and "5\n-71.4%" in labels  # cell 2: 4 incidents now, masked
    assert any("counts below 5 masked" in t for t in _texts(fig))


def test_without_cjk_font_falls_back_to_english(monkeypatch, tmp_path):
    monkeypatch.setattr(mapping, "cjk_font", lambda: None)
    messages = []
    path = render_map(sample_layers(), tmp_path / "m.png", progress=Progress(log=messages.append))
    assert path.exists()
    fig = briefing_figure(sample_layers())
    texts = _texts(fig)
    assert "Camera coverage, blind spots and incident change" in texts
    assert not any("盲区" in t or "图例" in t for t in texts)  # built-in labels: English
    assert any("no CJK font" in m for m in messages)  # cell names are Chinese: said so


def test_cell_labels():
    assert cell_label(3, -61.111) == "3\n-61.1%"
    assert cell_label(4, 31.25) == "4\n+31.3%"  # half away from zero, like change_pct
    assert cell_label(5, None) == "5\n—"
    assert cell_label(6, 0.0) == "6\n0.0%"


def test_no_pyplot_and_no_qt():
    code = ("import sys, tests.core.test_export as t; from lever_grid.core.briefing.mapping import "
            "briefing_figure; briefing_figure(t.sample_layers()); "
            "print(sorted(m for m in sys.modules if m == 'matplotlib.pyplot' "
            "or m.split('.')[0] in ('qgis', 'PyQt5')))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1] == "[]"


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "lever_grid", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_cli_map(tmp_path):
    from tests.core.test_export import write_sample_gpkg

    gpkg = write_sample_gpkg(tmp_path / "analysis.gpkg")
    res = _cli("map", gpkg, "--png", tmp_path / "a.png", "--pdf", tmp_path / "a.pdf",
               "--title", "大岭山 briefing", "--date", "2025-06-01", "--min-count", "3",
               "--roads", f"{SAMPLE}|layername=roads")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "a.png").stat().st_size > 50_000
    assert (tmp_path / "a.pdf").read_bytes()[:4] == b"%PDF"
    only_pdf = _cli("map", gpkg, "--pdf", tmp_path / "b.pdf")
    assert only_pdf.returncode == 0 and (tmp_path / "b.pdf").exists()


@pytest.mark.parametrize("args, expected", [
    (("--png", "x.png"), "file not found"),
    ((), "--png FILE and/or --pdf FILE"),
])
def test_cli_map_bad_input(tmp_path, args, expected):
    target = tmp_path / "missing.gpkg" if args else SAMPLE
    res = _cli("map", target, *[str(tmp_path / a) if a.endswith(".png") else a for a in args])
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert expected in res.stderr
    assert not list(tmp_path.glob("*.png"))


def test_cli_map_refuses_a_gpkg_without_cells(tmp_path):
    import geopandas as gpd
    import shapely

    other = tmp_path / "other.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(0, 0)], crs=4326).to_file(
        other, layer="stuff")
    res = _cli("map", other, "--png", tmp_path / "x.png")
    assert res.returncode == 2 and "no cell_stats or cells layer" in res.stderr


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_local_site_plan_is_drawn_in_its_metres(tmp_path):
    from lever_grid.core.fs import write_layers
    from tests.core.test_export import read_gpkg

    local = {k: v.set_crs(None, allow_override=True) if getattr(v, "crs", None) else v
             for k, v in sample_layers().items()}
    layers = read_gpkg(write_layers(tmp_path / "local.gpkg", local))  # "Undefined" SRS
    fig = briefing_figure(layers)
    assert fig.lever_grid["crs"] is None
    assert fig.lever_grid["scale_m"] in (200.0, 250.0, 500.0)
    assert any("CRS: local (m)" in t for t in _texts(fig))


def test_cli_map_draws_the_new_sites(tmp_path):
    import geopandas as gpd

    sites = tmp_path / "sites.gpkg"
    cams = gpd.read_file(SAMPLE, layer="cameras").iloc[:3]
    layer = gpd.GeoDataFrame({"rank": [1, 2, 3]}, geometry=cams.geometry.to_numpy(),
                             crs=cams.crs)
    layer.to_file(sites, layer="sites")
    audit, png = tmp_path / "audit.gpkg", tmp_path / "map.png"
    env = {"PYTHONPATH": str(ROOT)}
    base = [sys.executable, "-m", "lever_grid"]
    done = subprocess.run(base + ["analyse", "--cells", str(SAMPLE), "--cameras", str(SAMPLE),
                                  "--out", str(audit)], capture_output=True, env=env)
    assert done.returncode == 0
    done = subprocess.run(base + ["map", str(audit), "--png", str(png), "--sites",
                                  f"{sites}|layername=sites"], capture_output=True, env=env)
    assert done.returncode == 0, done.stderr
    plain = tmp_path / "plain.png"
    done = subprocess.run(base + ["map", str(audit), "--png", str(plain)], capture_output=True,
                          env=env)
    assert done.returncode == 0, done.stderr

    def magenta(path) -> int:
        img = np.asarray(Image.open(path).convert("RGB")).astype(int)
        return int(((abs(img[..., 0] - 0xE6) < 25) & (img[..., 1] < 40)
                    & (abs(img[..., 2] - 0x7E) < 30)).sum())

    assert magenta(png) > 100 and magenta(plain) < 10  # three stars and the legend's
