"""Every string users see goes through tr() and has a finished zh_CN translation.

Strings are found with ``ast`` in the modules of lever_grid/ that import qgis or PyQt
(lever_grid/core never does; its map-picture module has an unrelated ``tr(zh, en)``):
literal arguments of ``tr(...)``, ``self.tr(...)`` and
``QCoreApplication.translate("LeverGrid", ...)``, the ``LABEL`` and ``HELP`` of
Processing algorithms and the help texts given to ``add_param`` (both are
translated at run time by the algorithm base class). Each must be a message of the
``LeverGrid`` context in ``resources/i18n/lever_grid_zh_CN.ts`` with a non-empty
translation that is not marked unfinished, and with the same ``{…}`` placeholders.

``python tests/core/test_translations.py --update`` rewrites the .ts: translations are
kept, new strings are added as unfinished (fill them in, e.g. with Qt Linguist), strings no
longer in the code are dropped.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "lever_grid"
TS = ROOT / "resources" / "i18n" / "lever_grid_zh_CN.ts"
CONTEXT = "LeverGrid"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _literal(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _uses_qt(tree: ast.Module) -> bool:
    """Whether a module imports qgis or PyQt (only those can call Qt's translate)."""
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        if any(n.split(".")[0] in ("qgis", "PyQt5", "PyQt6") for n in names):
            return True
    return False


def extract(package: Path = PACKAGE) -> tuple[dict[str, list[str]], list[str]]:
    """(source text -> ["file:line", ...], problems) for every translatable string."""
    found: dict[str, list[str]] = {}
    problems: list[str] = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        if not _uses_qt(tree):
            continue  # e.g. lever_grid/core/mapping.py has its own tr(zh, en), not Qt's

        def add(text, node, where=rel):
            if text:
                found.setdefault(text, []).append(f"{where}:{node.lineno}")

        aliases = set()  # names bound to self.add_param (``p = self.add_param``)
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Attribute) \
                    and node.value.attr == "add_param":
                aliases |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.Assign):
                        for target in item.targets:
                            if isinstance(target, ast.Name) and target.id in ("LABEL", "HELP"):
                                add(_literal(item.value), item)
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name == "tr" and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.JoinedStr):
                    problems.append(f"{rel}:{node.lineno}: tr() of an f-string cannot be "
                                    "translated; use tr('… {0} …').format(…)")
                add(_literal(arg), node)
            elif name == "translate" and len(node.args) >= 2 and \
                    _literal(node.args[0]) == CONTEXT:
                add(_literal(node.args[1]), node)
            elif (name == "add_param" or name in aliases) and len(node.args) >= 2:
                add(_literal(node.args[1]), node)
    return found, problems


def read_ts(path: Path = TS) -> dict[str, ET.Element]:
    """source -> <message> element of the LeverGrid context."""
    root = ET.parse(path).getroot()
    messages = {}
    for context in root.iter("context"):
        if context.findtext("name") != CONTEXT:
            continue
        for message in context.iter("message"):
            messages[message.findtext("source") or ""] = message
    return messages


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


# ----------------------------------------------------------------------------- tests
def test_strings_are_found():
    found, problems = extract()
    assert problems == []
    # a few strings from each part of the plugin
    for text in ("Lever Grid", "Grid cells", "Analyse coverage and incidents", "Blind spots",
                 "Place camera", "Lever Grid panel"):
        assert text in found, text
    assert any("cell_id" in text for text in found)  # add_param help texts


def test_every_string_has_a_finished_chinese_translation():
    found, _ = extract()
    messages = read_ts()
    missing, unfinished, bad = [], [], []
    for text, where in found.items():
        message = messages.get(text)
        if message is None:
            missing.append(f"{where[0]}: {text!r}")
            continue
        translation = message.find("translation")
        value = translation.text if translation is not None else None
        if not value or translation.get("type") in ("unfinished", "vanished", "obsolete"):
            unfinished.append(f"{where[0]}: {text!r}")
        elif placeholders(value) != placeholders(text):
            bad.append(f"{where[0]}: {text!r} -> {value!r}")
    hint = "run `python tests/core/test_translations.py --update`, then translate"
    assert missing == [], f"not in {TS.name} ({hint}):\n" + "\n".join(missing)
    assert unfinished == [], "translation unfinished:\n" + "\n".join(unfinished)
    assert bad == [], "placeholders differ:\n" + "\n".join(bad)


def test_translations_are_chinese():
    for source, message in read_ts().items():
        value = message.findtext("translation") or ""
        if message.find("translation").get("type") == "vanished":
            continue
        assert any("\u4e00" <= c <= "\u9fff" for c in value), (source, value)


def test_ts_compiles_with_lrelease(tmp_path):
    assert shutil.which("lrelease"), "lrelease: .ci/install-system installs qttools5-dev-tools"
    qm = tmp_path / "out.qm"
    res = subprocess.run(["lrelease", str(TS), "-qm", str(qm)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "unfinished" not in res.stdout.split("Generated", 1)[-1] or \
        " 0 unfinished" in res.stdout, res.stdout
    assert qm.stat().st_size > 1000


# ----------------------------------------------------------------------------- update
def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&apos;"))


def update(path: Path = TS) -> tuple[int, int]:
    """Rewrite the .ts from the code, keeping translations. Returns (new, dropped)."""
    found, _ = extract()
    old = read_ts(path) if path.exists() else {}
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<!DOCTYPE TS>",
             '<TS version="2.1" language="zh_CN" sourcelanguage="en">', "<context>",
             f"    <name>{CONTEXT}</name>"]
    new = 0

    def message(text, where, value, kind):
        lines.append("    <message>")
        for loc in where[:3]:
            file, line = loc.rsplit(":", 1)
            lines.append(f'        <location filename="../../{file}" line="{line}"/>')
        lines.append(f"        <source>{_escape(text)}</source>")
        attr = f' type="{kind}"' if kind else ""
        lines.append(f"        <translation{attr}>{_escape(value or '')}</translation>")
        lines.append("    </message>")

    for text, where in found.items():
        element = old.get(text)
        value = element.findtext("translation") if element is not None else ""
        kind = None if value else "unfinished"
        new += element is None
        message(text, where, value, kind)
    vanished = [t for t in old if t not in found]  # dropped (like lupdate -noobsolete)
    lines += ["</context>", "</TS>", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return new, len(vanished)


if __name__ == "__main__":
    if "--update" in sys.argv:
        added, gone = update()
        print(f"{TS.relative_to(ROOT)}: {added} new (unfinished), {gone} dropped")
    else:
        strings, _ = extract()
        done = read_ts()
        for text in strings:
            if text not in done or not done[text].findtext("translation"):
                print(repr(text))
