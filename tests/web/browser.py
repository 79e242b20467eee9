"""What every browser test of the console shares: a headless Chromium under Selenium, the
sign-in link read from the spool as a mail client would, and waits that follow the browser
rather than the clock.

A script calls run(story): story(b, By, base, outgoing, admin, *rest) gets the browser and the
arguments tests/support/web.c passes (BASE_URL OUTGOING_DIR ADMIN_ADDRESS, then the test's
own). run() exits 0 when every step passed, 1 on a failure (the step and the page are
printed), 77 when Selenium, Chromium or its driver is not installed (the caller skips, or
fails under CHASER_TEST_STRICT=1).
"""
import email
import email.policy
import glob
import os
import re
import sys
import time

SKIP = 77


def run(story):
    base, outgoing, admin = sys.argv[1:4]
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
    except ImportError as e:
        print("not run: python3-selenium is not installed (%s)" % e)
        sys.exit(SKIP)
    driver_path = "/usr/bin/chromedriver"
    if not os.path.exists(driver_path):
        print("not run: chromium-driver is not installed")
        sys.exit(SKIP)
    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,900", "--disable-extensions", "--no-first-run"):
        opts.add_argument(arg)
    downloads = os.environ.get("CHASER_DOWNLOADS")
    if downloads:
        opts.add_experimental_option("prefs", {"download.default_directory": downloads,
                                               "download.prompt_for_download": False})
    try:
        browser = webdriver.Chrome(service=Service(driver_path), options=opts)
    except Exception as e:  # the browser itself could not start on this machine
        print("not run: Chromium could not start: %s" % str(e).splitlines()[0])
        sys.exit(SKIP)
    try:
        story(browser, By, base, outgoing, admin, *sys.argv[4:])
    except AssertionError as e:
        print("not ok - " + str(e))
        print("page was: " + browser.current_url)
        sys.exit(1)
    finally:
        browser.quit()
    sys.exit(0)


def sign_in_link(outgoing, admin):
    """The link in the newest sign-in mail to admin, decoded as a mail client would."""
    for path in sorted(glob.glob(os.path.join(outgoing, "*-web_signin.eml")), reverse=True):
        with open(path, "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        if admin not in str(msg["To"]):
            continue
        found = re.search(r"https?://\S+/signin/link\?t=[0-9a-f]+", msg.get_content())
        if found:
            return found.group(0)
    return None


def url_ends(b, suffix, seconds=10):
    """Whether the page reaches an address ending in suffix: a click on a form's button
    returns before the browser has followed the server's redirect."""
    end = time.monotonic() + seconds
    while not b.current_url.endswith(suffix):
        if time.monotonic() > end:
            return False
        time.sleep(0.1)
    return True


def submit(b, By, button, seconds=10):
    """Clicks a form's button and waits until the browser has left the page: click()
    returns as soon as the click is sent, before the next page has loaded."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    old = b.find_element(By.TAG_NAME, "html")
    button.click()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            old.tag_name
        except StaleElementReferenceException:
            return
        except WebDriverException as e:
            # Chromium's driver can say so in its own words while the old page is torn down.
            if "does not belong to the document" in str(e):
                return
            raise
        time.sleep(0.1)


def check(what, ok):
    if not ok:
        raise AssertionError(what)
    print("ok - " + what)


def sign_in(b, By, base, outgoing, admin):
    """Signs in as admin through the form and the mailed link; the browser is on Today."""
    b.get(base + "/")
    check("a page without a session sends the browser to sign in",
          b.current_url.endswith("/signin"))
    b.find_element(By.ID, "email").send_keys(admin)
    submit(b, By, b.find_element(By.CSS_SELECTOR, "form[action='/signin'] button"))
    check("the sign-in answer says to check the mail",
          b.find_element(By.TAG_NAME, "h1").text == "Check your email")
    # The mail goes after the answer (chaser's sender, outside the request): wait for it.
    end = time.monotonic() + 10
    link = sign_in_link(outgoing, admin)
    while link is None and time.monotonic() < end:
        time.sleep(0.1)
        link = sign_in_link(outgoing, admin)
    check("the link is in the spool", link is not None)
    b.get(link)
    submit(b, By, b.find_element(By.ID, "continue"))
    check("signing in opens Today", b.find_element(By.TAG_NAME, "h1").text == "Today")
