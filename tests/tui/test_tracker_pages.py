"""Tracker pages in the app detail and the finding detail (the texts the screens show)."""

from __future__ import annotations

from types import SimpleNamespace

from model.apk_report import ApkReport, Hit, PackageApks
from tui.screens.app_detail import tracker_page_text
from tui.screens.finding import tracker_pages_text


def test_page_of_a_known_tracker():
    text = tracker_page_text("tracker.umeng-analytics", indent="  ").plain
    assert "what it is:" in text and "Alibaba's most widely used Chinese app-statistics SDK" in text
    assert "company:    Umeng (Alibaba)" in text
    assert "https://developer.umeng.com" in text
    assert tracker_page_text("tracker.not-in-the-base").plain == ""


def test_finding_shows_each_subject_tracker_once():
    hit = Hit("tracker.appsflyer", "AppsFlyer", "class", "com.appsflyer.AppsFlyerLib", "classes.dex", "analytics")
    report = ApkReport(sha256="cd" * 32, trackers=(hit,))
    data = SimpleNamespace(apks={"a.b": PackageApks("a.b", (report,)), "c.d": PackageApks("c.d", (report,))})
    text = tracker_pages_text(data, {"subjects": ["a.b", "c.d", "[red]x[/red]"]}).plain
    assert text.startswith("AppsFlyer\n") and text.count("what it is:") == 1
    assert "Install attribution and marketing analytics" in text
    assert tracker_pages_text(data, {"subjects": []}).plain == ""
