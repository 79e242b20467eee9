#!/usr/bin/python3
"""The console in a real browser: headless Chromium driven by Selenium.

Run by tests/test_web_console.c, which makes the conference (a held reply from the chair in
triage), starts `chaser web` and passes: BASE_URL OUTGOING_DIR ADMIN_ADDRESS REF. Exit 0 when
every step passed, 1 on a failure (the step is printed), 77 when Selenium, Chromium or its
driver is not installed (the caller skips, or fails under CHASER_TEST_STRICT=1).
"""
import email
import email.policy
import glob
import os
import re
import sys
import time

SKIP = 77


def main():
    base, outgoing, admin, ref = sys.argv[1:5]
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
    except ImportError as e:
        print("not run: python3-selenium is not installed (%s)" % e)
        return SKIP
    driver_path = "/usr/bin/chromedriver"
    if not os.path.exists(driver_path):
        print("not run: chromium-driver is not installed")
        return SKIP
    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,900", "--disable-extensions", "--no-first-run"):
        opts.add_argument(arg)
    try:
        browser = webdriver.Chrome(service=Service(driver_path), options=opts)
    except Exception as e:  # the browser itself could not start on this machine
        print("not run: Chromium could not start: %s" % str(e).splitlines()[0])
        return SKIP
    try:
        return story(browser, By, base, outgoing, admin, ref)
    finally:
        browser.quit()


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
    from selenium.common.exceptions import StaleElementReferenceException
    old = b.find_element(By.TAG_NAME, "html")
    button.click()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            old.tag_name
        except StaleElementReferenceException:
            return
        time.sleep(0.1)


def check(what, ok):
    if not ok:
        raise AssertionError(what)
    print("ok - " + what)


def story(b, By, base, outgoing, admin, ref):
    try:
        b.get(base + "/")
        check("a page without a session sends the browser to sign in",
              b.current_url.endswith("/signin"))
        b.find_element(By.ID, "email").send_keys(admin)
        submit(b, By, b.find_element(By.CSS_SELECTOR, "form[action='/signin'] button"))
        check("the sign-in answer says to check the mail",
              b.find_element(By.TAG_NAME, "h1").text == "Check your email")
        link = sign_in_link(outgoing, admin)
        check("the link is in the spool", link is not None)
        b.get(link)
        submit(b, By, b.find_element(By.ID, "continue"))
        check("signing in opens Today", b.find_element(By.TAG_NAME, "h1").text == "Today")
        check("Today lists the held reply under triage",
              "Message 1" in b.find_element(By.TAG_NAME, "main").text)
        b.get(base + "/conference?ref=" + ref)
        check("the conference is awaiting the chair",
              b.find_element(By.ID, "state").text == "Awaiting the chair")
        b.get(base + "/triage")
        check("triage shows the text chaser read",
              "AUTHORISED" in b.find_element(By.CSS_SELECTOR, ".message-text").text)
        submit(b, By, b.find_element(By.ID, "release-1"))
        check("release asks for a confirmation first",
              b.find_element(By.TAG_NAME, "h1").text.startswith("Release this message"))
        submit(b, By, b.find_element(By.ID, "confirm"))
        check("after the release triage is empty",
              "Nothing waits in triage" in b.find_element(By.TAG_NAME, "main").text)
        b.get(base + "/conference?ref=" + ref)
        check("the conference page shows the list authorised",
              b.find_element(By.ID, "state").text == "List authorised")
        b.set_window_size(320, 800)
        b.get(base + "/")
        width = b.execute_script("return document.documentElement.scrollWidth")
        check("Today is readable at 320 px without sideways scrolling (%s px)" % width,
              width <= 320)
        b.set_window_size(1280, 900)
        old = b.get_cookie("chaser_session")
        check("the session cookie is HttpOnly", old is not None and old.get("httpOnly"))
        submit(b, By, b.find_element(By.CSS_SELECTOR, "form.signout button"))
        check("sign-out returns to sign-in", url_ends(b, "/signin"))
        b.delete_all_cookies()
        b.add_cookie({"name": "chaser_session", "value": old["value"], "path": "/"})
        b.get(base + "/")
        check("the old session cookie is refused", b.current_url.endswith("/signin"))
    except AssertionError as e:
        print("not ok - " + str(e))
        print("page was: " + b.current_url)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
