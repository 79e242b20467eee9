#!/usr/bin/python3
"""The register and the reports in a real browser: sign in, filter the register by agency
and see the rows narrow, then download the register as xlsx by clicking, and check the file
is a workbook holding the escalation's reference.

Run by tests/test_web_reports.c, which makes two conferences with escalations, starts
`chaser web` with CHASER_DOWNLOADS set to an empty folder and passes BASE_URL OUTGOING_DIR
ADMIN_ADDRESS REF REF2; it checks the downloaded file again itself (browser.py says how the
script ends).
"""
import os
import sys
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import check, run, sign_in, submit  # noqa: E402

NAME = "escalation-register-2026-Q4.xlsx"


def downloaded(folder, seconds=20):
    """The downloaded file once Chromium has finished writing it, or None."""
    path = os.path.join(folder, NAME)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if os.path.exists(path) and not os.path.exists(path + ".crdownload"):
            return path
        time.sleep(0.2)
    return None


def story(b, By, base, outgoing, admin, ref, ref2):
    from selenium.webdriver.support.ui import Select
    folder = os.environ["CHASER_DOWNLOADS"]
    # Headless Chromium saves downloads only where it has been told to, page by page.
    b.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": folder})
    sign_in(b, By, base, outgoing, admin)
    b.find_element(By.LINK_TEXT, "Register").click()
    check("the register shows all three escalations",
          b.find_element(By.ID, "count").text == "3 escalations")
    Select(b.find_element(By.ID, "agency")).select_by_visible_text("Northshire Health")
    submit(b, By, b.find_element(By.ID, "filter"))
    check("filtered by agency, one escalation is left",
          b.find_element(By.ID, "count").text == "1 escalation")
    cells = [td.text for td in b.find_elements(By.CSS_SELECTOR, "tr.register-row td.ref")]
    check("the one left is the second conference's (%s)" % cells, cells == [ref2])
    check("the filter is kept in the form",
          Select(b.find_element(By.ID, "agency")).first_selected_option.text
          == "Northshire Health")
    b.find_element(By.LINK_TEXT, "Reports").click()
    check("the reports page opens", b.find_element(By.TAG_NAME, "h1").text == "Reports")
    quarter = b.find_element(By.ID, "quarter")
    quarter.clear()
    quarter.send_keys("2026-Q4")
    Select(b.find_element(By.ID, "kind")).select_by_value("register")
    Select(b.find_element(By.ID, "format")).select_by_value("xlsx")
    b.find_element(By.ID, "download").click()
    path = downloaded(folder)
    check("the register is downloaded as %s" % NAME, path is not None)
    with open(path, "rb") as f:
        check("the file is a zip, as an xlsx is", f.read(2) == b"PK")
    with zipfile.ZipFile(path) as z:
        text = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                       if n.startswith("xl/"))
    check("the workbook holds the reference %s" % ref, ref in text)


if __name__ == "__main__":
    run(story)
