#!/usr/bin/python3
"""The console's accessibility in a real browser: axe-core on every page at 1280 and 320 px
wide, no serious or critical violation, and no page that scrolls sideways at 320 px.

Run by tests/test_web_a11y.c, which makes a conference with escalations, a reply held in
triage and an open safety alert, starts `chaser web` and passes BASE_URL OUTGOING_DIR
ADMIN_ADDRESS REF SHOTS_DIR (browser.py says how it ends). The pages: sign-in, the answer to
it, the mailed link's page, Today, the conferences, the conference, triage, both triage
confirmations, and every same-origin page the menu and Today link to, and the pages those
link to, up to MAX_PAGES: a page added to the menu is checked without changing this file.

axe-core is the npm package pinned in tests/web/package-lock.json, installed by
`scripts/install-deps test` into tests/web/node_modules (CHASER_AXE may name another
axe.min.js). Without it the test is not run (77). It is put into each page by WebDriver's
execute_script, which runs outside the page's Content-Security-Policy (the console allows no
inline script): the test checks that the page itself still refuses inline script, so the
policy was in force while axe ran.

Screenshots of Today, the conference and triage at both widths go to SHOTS_DIR, or to
CHASER_SCREENSHOTS when set (docs/screenshots/README).
"""
import base64
import os
import sys
from urllib.parse import urldefrag, urljoin, urlparse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import SKIP, check, sign_in_link, submit  # noqa: E402
import browser  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
AXE = os.environ.get("CHASER_AXE") or os.path.join(HERE, "node_modules", "axe-core",
                                                     "axe.min.js")
WIDTHS = ((1280, 900), (320, 800))
MAX_PAGES = 40
# Links that are not pages to read: they act, or download a file.
NOT_PAGES = ("/signout", "/static/")
FILE_ENDINGS = (".csv", ".xlsx", ".json", ".pdf", ".txt", ".eml", ".html.zip")

failures = []


def axe_source():
    if not os.path.exists(AXE):
        print("not run: axe-core is not installed (%s; scripts/install-deps test installs it "
              "from the npm registry)" % AXE)
        sys.exit(SKIP)
    with open(AXE, encoding="utf-8") as f:
        return f.read()


def audit(b, name, source, shot=None, shots=None):
    """axe and the sideways-scroll check on the page the browser shows, at each width; a
    screenshot of each width when shot names it."""
    for width, height in WIDTHS:
        b.set_window_size(width, height)
        if not b.execute_script("return typeof window.axe === 'object'"):
            b.execute_script(source)
        result = b.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']})"
            ".then(function (r) { done({ok: true, v: r.violations.map(function (v) {"
            "  return {id: v.id, impact: v.impact, help: v.help,"
            "          targets: v.nodes.map(function (n) { return n.target.join(' '); })};"
            "})}); }, function (e) { done({ok: false, error: String(e)}); });")
        check("axe ran on %s at %d px" % (name, width), result and result.get("ok"))
        bad = [v for v in result["v"] if v["impact"] in ("serious", "critical")]
        for v in result["v"]:
            line = "%s at %d px: %s (%s) %s: %s" % (name, width, v["id"], v["impact"],
                                                    v["help"], ", ".join(v["targets"][:5]))
            print("# " + line)
            if v in bad:
                failures.append(line)
        print("%s - %s at %d px: no serious or critical axe violation (%d found, %d minor)"
              % ("not ok" if bad else "ok", name, width, len(bad), len(result["v"]) - len(bad)))
        if width == 320:
            # The width the page lays out in, less the vertical scroll bar, against the width
            # its content takes.
            scroll, view = b.execute_script("var d = document.documentElement;"
                                            "return [d.scrollWidth, d.clientWidth];")
            if scroll > view:
                wide = b.execute_script(
                    "var w = arguments[0], out = [];"
                    "document.querySelectorAll('body *').forEach(function (e) {"
                    "  var r = e.getBoundingClientRect();"
                    "  if ((r.right > w + 0.5 || e.scrollWidth > e.clientWidth + 1)"
                    "      && getComputedStyle(e).overflowX === 'visible' && out.length < 5)"
                    "    out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +"
                    "             (e.className ? '.' + e.className : '') +"
                    "             ' (' + Math.round(r.right) + ' px)'); });"
                    "return out.join(', ');", view)
                failures.append("%s at 320 px scrolls sideways (%d px in %d): %s"
                                % (name, scroll, view, wide))
            print("%s - %s at 320 px does not scroll sideways (%d px in %d)"
                  % ("not ok" if scroll > view else "ok", name, scroll, view))
        if shot and shots:
            # The whole page, not only the window's height (DevTools' screenshot).
            tall = b.execute_script("return document.documentElement.scrollHeight")
            png = b.execute_cdp_cmd("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": tall, "scale": 1}})
            with open(os.path.join(shots, "%s-%d.png" % (shot, width)), "wb") as f:
                f.write(base64.b64decode(png["data"]))
    b.set_window_size(*WIDTHS[0])


def is_page(base, href):
    if not href:
        return False
    url = urlparse(href)
    if url.scheme not in ("http", "https") or not href.startswith(base + "/"):
        return False
    if url.path.startswith(NOT_PAGES) or url.path.endswith(FILE_ENDINGS):
        return False
    if "download" in url.path or "format=" in url.query:
        return False
    return True


def links(b, By, base, scope):
    found = []
    for a in b.find_elements(By.CSS_SELECTOR, scope + " a[href]"):
        if a.get_dom_attribute("download") is not None:
            continue
        href = urldefrag(urljoin(b.current_url, a.get_attribute("href")))[0]
        if is_page(base, href):
            found.append(href)
    return found


def story(b, By, base, outgoing, admin, ref, shots):
    source = axe_source()
    shots = os.environ.get("CHASER_SCREENSHOTS") or shots
    os.makedirs(shots, exist_ok=True)

    b.get(base + "/signin")
    b.execute_script("var s = document.createElement('script');"
                     "s.textContent = 'window.inlineRan = 1'; document.body.appendChild(s);")
    check("the page refuses inline script: its Content-Security-Policy is in force while "
          "axe runs", b.execute_script("return window.inlineRan === undefined"))
    # axe finds what it should: a button with no name is a critical violation.
    b.execute_script(source)
    found = b.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "var x = document.createElement('button'); x.id = 'nameless';"
        "document.querySelector('main').appendChild(x);"
        "axe.run(x).then(function (r) { x.remove();"
        "  done(r.violations.map(function (v) { return v.id + ':' + v.impact; })); },"
        "  function (e) { x.remove(); done([String(e)]); });")
    check("axe reports a nameless button as critical (%s)" % found,
          "button-name:critical" in found)
    audit(b, "sign-in", source)
    submit(b, By, b.find_element(By.CSS_SELECTOR, "form[action='/signin'] button"))
    check("an empty address shows the error summary",
          b.find_elements(By.CSS_SELECTOR, ".error-summary"))
    audit(b, "sign-in with an error", source)
    b.find_element(By.ID, "email").send_keys(admin)
    submit(b, By, b.find_element(By.CSS_SELECTOR, "form[action='/signin'] button"))
    audit(b, "sign-in sent", source)
    link = sign_in_link(outgoing, admin)
    check("the link is in the spool", link is not None)
    b.get(link)
    audit(b, "the link's page", source)
    submit(b, By, b.find_element(By.ID, "continue"))
    check("signing in opens Today", b.find_element(By.TAG_NAME, "h1").text == "Today")
    # The keyboard's first stop is the skip link, shown when focused, with a focus outline.
    from selenium.webdriver.common.keys import Keys
    b.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    skip = b.execute_script(
        "var e = document.activeElement, r = e.getBoundingClientRect(),"
        " s = getComputedStyle(e);"
        "return [e.className, r.left >= 0 && r.width > 0, s.outlineStyle, e.getAttribute('href')];")
    check("Tab reaches the skip link first, on screen and outlined (%s)" % skip,
          skip[0] == "skip-link" and skip[1] and skip[2] != "none" and skip[3] == "#main")

    named = [("Today", base + "/", "today"),
             ("conferences", base + "/conferences", None),
             ("the conference", base + "/conference?ref=" + ref, "conference"),
             ("triage", base + "/triage", "triage"),
             ("the release confirmation", base + "/triage/confirm?id=1&do=release", None),
             ("the drop confirmation", base + "/triage/confirm?id=1&do=drop", None)]
    seen = set()
    todo = []
    for name, url, shot in named:
        b.get(url)
        check("%s opens (%s)" % (name, b.find_element(By.TAG_NAME, "h1").text),
              not b.current_url.endswith("/signin"))
        audit(b, name, source, shot, shots)
        seen.add(url)
        if name == "Today":
            todo += links(b, By, base, "header nav") + links(b, By, base, "main")
    # The pages the menu and Today link to, then the pages those link to (their own lists).
    for depth in (1, 2):
        nxt = []
        for url in todo:
            if url in seen or len(seen) >= MAX_PAGES:
                continue
            seen.add(url)
            before = b.current_url
            b.get(url)
            # A download leaves the browser on the page it was on.
            if ((b.current_url == before and before != url)
                    or b.execute_script("return document.contentType") != "text/html"):
                print("# %s: not a page, not checked" % url[len(base):])
                continue
            path = url[len(base):]
            audit(b, path, source)
            if depth == 1:
                nxt += links(b, By, base, "main")
        todo = nxt
    print("# %d pages checked" % len(seen))
    check("no page has a serious or critical violation or scrolls sideways at 320 px:\n  "
          + "\n  ".join(failures), not failures)


if __name__ == "__main__":
    browser.run(story)
