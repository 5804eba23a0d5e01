"""Core-test set-up: property-test settings and the robustness summary at the end of a run.

``make test`` (and any run of ``tests/core``) ends with two lines such as::

    bad-input corpus: 71 cases, 71 handled cleanly (100.0 %) by the CLI
    property tests: hypothesis max_examples=60 derandomize=True deadline=None database=None
"""

from __future__ import annotations

from hypothesis import HealthCheck

#: Settings of every property test (tests/core/test_properties.py): the same examples on
#: every run and machine, nothing stored between runs, no timing-dependent failures.
PROPERTY_SETTINGS = {
    "max_examples": 60,
    "derandomize": True,
    "deadline": None,
    "database": None,
    "print_blob": False,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

_CORPUS_TEST = "test_bad_inputs.py::test_bad_input_cli["
_PROPERTY_TEST = "test_properties.py::"


def _reports(terminalreporter, marker: str) -> dict[str, list]:
    out: dict[str, list] = {}
    for key in ("passed", "failed", "xfailed", "xpassed", "error"):
        for report in terminalreporter.stats.get(key, []):
            if marker in getattr(report, "nodeid", "") and getattr(report, "when", "call") in (
                    "call", "setup"):
                if key == "passed" and report.when != "call":
                    continue
                out.setdefault(key, []).append(report)
    return out


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print the corpus count, the share handled cleanly and the property-test settings."""
    corpus = _reports(terminalreporter, _CORPUS_TEST)
    ran = sum(len(v) for v in corpus.values())
    if ran:
        from tests.bad_cases import CASES

        clean = len(corpus.get("passed", []))
        known = len(corpus.get("xfailed", []))
        share = 100.0 * clean / ran
        line = (f"bad-input corpus: {ran} cases, {clean} handled cleanly ({share:.1f} %) "
                f"by the CLI")
        if known:
            ids = [r.nodeid.split("[", 1)[1].rstrip("]") for r in corpus["xfailed"]]
            line += f"; {known} known failure(s) (xfail): {', '.join(ids)}"
        if ran != len(CASES):
            line += f" [{len(CASES)} in the corpus, {ran} selected]"
        terminalreporter.write_sep("-", "robustness")
        terminalreporter.write_line(line)
    props = _reports(terminalreporter, _PROPERTY_TEST)
    if props:
        settings = " ".join(f"{k}={PROPERTY_SETTINGS[k]}" for k in
                            ("max_examples", "derandomize", "deadline", "database"))
        n = sum(len(v) for v in props.values())
        passed = len(props.get("passed", []))
        if not corpus:
            terminalreporter.write_sep("-", "robustness")
        terminalreporter.write_line(f"property tests: hypothesis {settings}; "
                                    f"{passed} of {n} passed")
