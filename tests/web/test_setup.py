#!/usr/bin/python3
"""A new conference from the console in a real browser: sign in; fill in the conference and
upload a list with one bad row (the error summary names the row, and nothing is saved); upload
the right file; check the answers; send the list to the chair; see the conference on Today and
its state on its page.

Run by tests/test_web_setup.c, which starts `chaser web` and passes BASE_URL OUTGOING_DIR
ADMIN_ADDRESS REF CHAIR BAD_CSV GOOD_CSV (browser.py says how it ends).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import check, run, sign_in, submit, url_ends  # noqa: E402


def story(b, By, base, outgoing, admin, ref, chair, bad_csv, good_csv):
    sign_in(b, By, base, outgoing, admin)
    b.find_element(By.ID, "nav-new-conference").click()
    check("the header's New conference opens the form",
          b.find_element(By.TAG_NAME, "h1").text == "New conference")
    b.find_element(By.ID, "ref").send_keys(ref)
    b.find_element(By.ID, "held").send_keys("2026-11-23 14:00")
    b.find_element(By.ID, "chair").send_keys(chair)
    b.find_element(By.ID, "chair_name").send_keys("Dr Rhys Bellamy")
    b.find_element(By.ID, "social_worker").send_keys("amara.sowande@council.example")
    b.find_element(By.ID, "list_file").send_keys(bad_csv)
    submit(b, By, b.find_element(By.ID, "continue"))
    summary = b.find_element(By.CSS_SELECTOR, ".error-summary")
    check("the error summary names the bad row",
          "Row 3: the email is not an email address" in summary.text)
    link = summary.find_element(By.CSS_SELECTOR, "a")
    check("the problem links to the list's file field",
          link.get_attribute("href").endswith("#list_file"))
    check("the problem is beside the field too",
          "Row 3" in b.find_element(By.ID, "list_file-error").text)
    check("what was typed is kept",
          b.find_element(By.ID, "ref").get_attribute("value") == ref)
    form = b.current_window_handle
    b.switch_to.new_window("tab")
    b.get(base + "/conference?ref=" + ref)
    check("nothing was saved", b.find_element(By.TAG_NAME, "h1").text == "No such conference")
    b.close()
    b.switch_to.window(form)
    b.find_element(By.ID, "list_file").send_keys(good_csv)
    submit(b, By, b.find_element(By.ID, "continue"))
    check("the right file leads to check your answers",
          b.find_element(By.TAG_NAME, "h1").text == "Check your answers")
    table = b.find_element(By.ID, "list").text
    check("the list is shown to check", "Sam Okafor" in table and "Priya Nair" in table)
    b.find_element(By.ID, "change-chair_name").click()
    check("Change goes back to the form, filled in",
          b.find_element(By.ID, "chair_name").get_attribute("value") == "Dr Rhys Bellamy")
    check("the form says the uploaded list is kept",
          "list.csv is kept" in b.find_element(By.ID, "list_file-hint").text)
    submit(b, By, b.find_element(By.ID, "continue"))
    check("back on check your answers",
          b.find_element(By.TAG_NAME, "h1").text == "Check your answers")
    submit(b, By, b.find_element(By.ID, "create"))
    check("sending the list opens the conference's page",
          url_ends(b, "/conference?ref=" + ref))
    check("the conference awaits the chair",
          b.find_element(By.ID, "state").text == "Awaiting the chair")
    b.get(base + "/")
    check("Today shows the new conference",
          ref in b.find_element(By.TAG_NAME, "main").text)


if __name__ == "__main__":
    run(story)
