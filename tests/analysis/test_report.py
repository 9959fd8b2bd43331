"""`nas report`: one self-contained HTML file with the numbers of the event."""

from __future__ import annotations

import base64
from html.parser import HTMLParser

import pytest

from mlpnas.errors import NasError
from mlpnas.storage.events import load_event
from mlpnas.analysis.report import write_report
from tests.helpers.fixture_logs import (CHILDREN, FRONT_HYPERVOLUME, TEST_ACCURACY,
                                        TOP_DESCRIPTION, write_event)


class _Resources(HTMLParser):
    """Every attribute that could make a browser fetch something."""

    def __init__(self):
        super().__init__()
        self.links, self.tags = [], set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.links += [v for k, v in attrs if k in ("src", "href", "srcset", "data", "action")]


def _report(tmp_path, **kwargs):
    write_event(tmp_path / "logs", **kwargs)
    return write_report(load_event(tmp_path / "logs"), tmp_path / "r.html").read_text()


def test_report_is_self_contained_and_has_the_top_architecture(tmp_path):
    text = _report(tmp_path)
    assert TOP_DESCRIPTION in text
    assert f"{TEST_ACCURACY:.4f}" in text
    assert "http://" not in text and "https://" not in text
    parser = _Resources()
    parser.feed(text)
    assert not parser.tags & {"script", "link", "iframe"}
    assert len(parser.links) == 5  # progress, Pareto front, distribution, heat-map, predictor
    assert "Accuracy against cost (Pareto front)" in text
    assert f"Hypervolume {FRONT_HYPERVOLUME:.4f}" in text
    for link in parser.links:
        head, data = link.split(",", 1)
        assert head == "data:image/png;base64"
        assert base64.b64decode(data).startswith(b"\x89PNG")


def test_report_of_a_small_event_without_status(tmp_path):
    text = _report(tmp_path, children=CHILDREN[:2], status=False)
    assert "test accuracy of the best child, as searched</td><td>not recorded" in text
    assert "analyze needs at least 5" in text  # the section says why it is missing
    assert "(64, &#x27;relu&#x27;)" not in text  # text is escaped without quote entities
    assert "(64, 'relu')" in text


def test_report_of_an_event_with_no_trained_child_fails(tmp_path):
    write_event(tmp_path, [CHILDREN[6]])
    with pytest.raises(NasError, match="has 0 trained children; report needs at least 1"):
        write_report(load_event(tmp_path), tmp_path / "r.html")


def test_report_leads_with_results_and_labels_everything(tmp_path):
    text = _report(tmp_path, children=CHILDREN[:2], status=False)
    headings = [h.split("</h2>")[0] for h in text.split("<h2>")[1:]]
    assert headings[0] == "Results" and headings[-1] == "Configuration"
    assert headings[1] == "Top 2 architectures"  # as many as there are, not --top
    assert "<th></th>" not in text and "majority_rate" not in text and "input_shape" not in text
    assert "majority-class rate (the figure to beat)" in text
