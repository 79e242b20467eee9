#!/usr/bin/python3
"""The console in a real browser: sign in with the link found in the spool, see Today, release
the held reply and see the conference's state change, sign out, and the old session is refused.

Run by tests/test_web_console.c, which makes the conference (a held reply from the chair in
triage), starts `chaser web` and passes BASE_URL OUTGOING_DIR ADMIN_ADDRESS REF (browser.py
says how it ends).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import check, run, sign_in, submit, url_ends  # noqa: E402


def story(b, By, base, outgoing, admin, ref):
    sign_in(b, By, base, outgoing, admin)
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


if __name__ == "__main__":
    run(story)
