"""Plain-words wording for a tracker page when its entry says nothing more specific.

A `[[tracker]]` row may carry its own `description` and `collects` (written for the major
SDKs); the others get a sentence built from their Exodus categories, so every tracker has
a page. The words are phone-audit's own.
"""

from __future__ import annotations

#: what an SDK of each category is for
_PURPOSE = {
    "advertisement": "shows ads in the app and measures how they perform",
    "analytics": "records how the app is used and sends usage statistics to its maker",
    "crash-reporting": "sends reports of crashes and errors, with details of the phone, to its maker",
    "identification": "identifies the user or the device across apps and sessions",
    "location": "collects where the phone is",
    "profiling": "builds a profile of the user's interests and behaviour, usually for ad targeting",
}

#: what an SDK of each category typically collects
_COLLECTS = {
    "advertisement": "advertising ID, device model and settings, IP address, ads seen and tapped",
    "analytics": "screens opened, actions taken, session times, device model, OS version, an app-instance or device ID",
    "crash-reporting": "stack traces, device model, OS version, free memory and storage, an installation ID",
    "identification": "device and advertising identifiers, account or login identifiers",
    "location": "GPS or network location, nearby Wi-Fi and cell towers",
    "profiling": "advertising ID, apps used, interests inferred from behaviour, sometimes location",
}


def category_description(categories: tuple[str, ...]) -> str:
    """'A tracker SDK that shows ads ... and records ...' for these categories."""
    parts = [_PURPOSE[c] for c in categories if c in _PURPOSE]
    if not parts:
        return "A third-party SDK listed as a tracker; no more specific purpose is recorded here."
    return "A third-party SDK that " + "; it also ".join(parts) + "."


def category_collects(categories: tuple[str, ...]) -> str:
    """What SDKs of these categories typically collect (a general statement)."""
    parts = [_COLLECTS[c] for c in categories if c in _COLLECTS]
    if not parts:
        return "Not recorded."
    return "Typically: " + "; ".join(parts) + " (general to its categories, not measured for this SDK)."


def page_rows(tracker) -> list[tuple[str, str]]:
    """A tracker's page as (label, text) rows, for the TUI and the HTML report alike.

    Plain strings only; each view escapes or styles them itself."""
    rows = [("what it is", tracker.description), ("collects", tracker.collects),
            ("categories", ", ".join(tracker.categories) or "-"),
            ("company", tracker.company or "not recorded")]
    if tracker.website:
        rows.append(("website", tracker.website))
    rows.append(("sources", " ".join(tracker.sources) or "-"))
    if tracker.withdrawn:
        rows.append(("withdrawn", f"dropped from the upstream list on {tracker.withdrawn}"))
    return rows
