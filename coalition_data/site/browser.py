"""Headless Chromium (Debian's chromium and chromium-driver) through Selenium, for screenshots and tests."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Quiet flags: with no network, Chromium's background services would otherwise flood refused connections.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1", "--lang=en-US")
WINDOW = (1280, 900)


class BrowserMissing(Exception):
    """Chromium, its driver or Selenium is not installed."""


def missing() -> str | None:
    """What is missing to drive Chromium, as an instruction; None when everything is there."""
    for binary, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not binary.is_file() and shutil.which(binary.name) is None:
            return f"{binary} not found: install it with `apt-get install -y {package}` (Debian)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the Python package selenium is not installed: pip install 'coalition-data[test]'"
    return None


def chromium(profile: Path, *, width: int = WINDOW[0], height: int = WINDOW[1]) -> Any:
    """A Selenium driver for a fresh headless Chromium with its own profile folder, logging the
    browser console and the DevTools network events (read with ``driver.get_log``)."""
    problem = missing()
    if problem:
        raise BrowserMissing(problem)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM if CHROMIUM.is_file() else shutil.which("chromium"))
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = Service(executable_path=str(CHROMEDRIVER if CHROMEDRIVER.is_file() else shutil.which("chromedriver")))
    return webdriver.Chrome(options=options, service=service)
