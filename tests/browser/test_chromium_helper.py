"""The shared chromium helper: its console filter lets through only the offline launch badges."""

from chromium import ConsoleLog, is_offline_badge

BADGES = ("https://mybinder.org/badge_logo.svg", "https://colab.research.google.com/assets/colab-badge.svg")


def test_filter_is_precise():
    for url in BADGES:
        assert is_offline_badge(url, "Failed to load resource: net::ERR_NAME_NOT_RESOLVED")
        assert not is_offline_badge(url, "Uncaught TypeError: x is undefined")  # not a network error
    assert not is_offline_badge("https://example.org/x.png", "net::ERR_NAME_NOT_RESOLVED")
    assert not is_offline_badge("https://mybinder.org.evil.example/x.svg", "net::ERR_NAME_NOT_RESOLVED")
    assert not is_offline_badge("http://127.0.0.1:8888/static/x.js", "net::ERR_CONNECTION_REFUSED")


def test_offline_badges_are_the_only_forgiven_failures(chromium_browser):
    page = chromium_browser.new_page()
    try:
        log = ConsoleLog(page)
        images = "".join(f'<img src="{url}">' for url in (*BADGES, "https://example.org/x.png"))
        page.set_content(images + "<script>console.error('boom')</script>")
        page.wait_for_timeout(2000)
        unexpected = {(kind, url) for kind, _, url in log.unexpected()}
        assert {url for _, _, url in log.entries} >= {*BADGES, "https://example.org/x.png"}
        assert ("console", "https://example.org/x.png") in unexpected
        assert any(text == "boom" for _, text, _ in log.unexpected())
        assert not any(url in BADGES for _, url in unexpected)
    finally:
        page.close()
