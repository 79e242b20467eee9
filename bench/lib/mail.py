"""The mail people send, invented, in the shapes real clients give it: chairs, SLOs, reports
with attachments, out-of-office, bounces, strangers, newsletters, forwards. Messages are text
with LF line ends, as they lie in a Maildir. The random generator is the caller's (a fixed
seed), so the same run makes the same mail."""
import base64
import os
import re


FIRST = ("Amara Bethan Callum Dafydd Eleri Farah Gareth Hana Idris Jonah Keira Lowri Mateo Nia "
         "Osian Priya Rhodri Saanvi Tomos Una Vikram Wren Yusuf Zara Alys Bryn Ceri Deon Elin "
         "Fintan").split()
LAST = ("Abernethy Blackwood Carrow Dunmore Ellery Fenwick Garside Holloway Ibbotson Jessop "
        "Kettering Lathom Marwood Northcote Oakhurst Penrose Quarrie Radley Sandercock Tolland "
        "Underhill Vexley Wetherby Yardley Ashdown Brereton Cawthorne Dewhurst Elmsworth "
        "Fairbairn").split()
AGENCIES = [
    ("Northshire Police", "police.example.org"),
    ("Northshire Health", "health.example.org"),
    ("Brookfield Primary School", "brookfield.example.net"),
    ("Riverside Academy", "riverside.example.net"),
    ("Northshire Probation", "probation.example.org"),
    ("Hillcrest Housing", "hillcrest-housing.example.org"),
    ("Northshire Ambulance Service", "ambulance.example.org"),
    ("Eastgate Surgery", "eastgate-surgery.example.org"),
    ("Northshire Mental Health", "mentalhealth.example.org"),
    ("Youth Justice Service", "yjs.example.org"),
    ("Harbour Nursery", "harbour-nursery.example.net"),
    ("Westfield Recovery Service", "westfield-recovery.example.org"),
]


def person(rng):
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def address(name, domain):
    return name.lower().replace(" ", ".") + "@" + domain


DAYS = [("Tue", 24), ("Wed", 25), ("Thu", 26)]
CHAIR_FIRST = [
    "AUTHORISED\nESCALATE 2 no_apologies, no_report: Did not attend and sent nothing\n"
    "ESCALATE 4 report_quality: The report arrived without a chronology",
    "AUTHORISED\nNO ESCALATION",
    "Authorised\nescalate 2 late report: it came the morning of the conference",
    "AUTHORISED\nESCALATE 1 not_shared_with_parents: parents had not seen it\n"
    "ESCALATE 2 no_apologies: nobody told us",
]
CHAIR_AGAIN = [
    "Thanks, I will look at this properly tomorrow morning.",
    "Could the school nurse be added to this list please? She attended.",
    "AUTHORISED",
    "Hi, line 3 has the wrong agency - it should be Northshire Health.\nESCALATE 3",
    "Is this the list for the review or the initial conference?",
]
SLO_TEXT = [
    "RESOLVED: the officer now checks every report with a sergeant before it is sent",
    "RESOLVED: we have agreed a named deputy who will attend when the lead cannot",
    "NOT RESOLVED: we do not accept that the report was late; it was sent on the Tuesday",
    "We are looking into this and will come back to you by Friday.",
    "I have passed this to the team manager, who is on leave until next week.",
    "RESOLVED: practitioner spoken to and booked on the conference training in January",
]
STRANGER = [
    ("Question about next week's meeting",
     "Hello,\n\nI was told to email this address about the meeting next week. Could\n"
     "someone tell me what time it starts and whether I can join by phone?\n\nThanks"),
    ("Change of address",
     "Dear team,\n\nPlease note that our office has moved to 4 Mill Lane from Monday.\n"
     "Our telephone numbers stay the same.\n\nRegards"),
    ("Minutes request",
     "Hi,\n\nCould you send me a copy of the minutes from the conference last month?\n"
     "I was the duty worker that day.\n\nMany thanks"),
    ("Room booking for December",
     "Hello,\n\nIs the large meeting room free on the 9th of December in the afternoon?\n"
     "We need it for a core group.\n\nBest wishes"),
]
NEWSLETTER_TOPICS = ["Winter training programme", "Safeguarding partnership bulletin",
                     "New guidance on information sharing", "Practice week: save the date"]


def fmt_date(rng):
    day, n = rng.choice(DAYS)
    return f"{day}, {n} Nov 2026 {rng.randrange(8, 18):02d}:{rng.randrange(60):02d}:" \
           f"{rng.randrange(60):02d} +0000"


class MailMaker:
    """Messages as bytes (LF line ends, as they lie in a Maildir)."""

    def __init__(self, rng, sent, authorised):
        self.rng = rng
        self.n = 0
        self.by_kind = {}
        for m in sent:
            self.by_kind.setdefault(m["kind"], []).append(m)
        self.authorised = authorised
        self.answered = set()

    def uid(self):
        self.n += 1
        return f"{self.n:06d}.{self.rng.getrandbits(48):012x}"

    def envelope(self, from_name, from_addr, to, subject, extra=(), reply_to_msgid=None,
                 date=None):
        r = self.rng
        domain = from_addr.split("@")[1]
        date = date or fmt_date(r)
        sig = base64.b64encode(r.randbytes(128)).decode()
        h = [
            f"Return-Path: <{from_addr}>",
            "Delivered-To: safeguarding@example.test",
            f"Received: from mail-{r.randrange(1, 40)}.{domain} (mail.{domain} "
            f"[192.0.2.{r.randrange(1, 250)}])\n\tby mx.example.test with ESMTPS id "
            f"{r.getrandbits(40):010X}\n\tfor <{to}>; {date}",
            f"Received: from [10.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(256)}] "
            f"by mail.{domain} with ESMTPSA id {r.getrandbits(32):08x};\n\t{date}",
            f"Authentication-Results: mx.example.test;\n\tdkim=pass header.d={domain} "
            f"header.s=sel1;\n\tspf=pass smtp.mailfrom={domain};\n\tdmarc=pass header.from="
            f"{domain}",
            f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain}; s=sel1;\n\t"
            f"h=from:to:subject:date:message-id; bh={sig[:44]};\n\tb={sig[44:120]}\n\t"
            f" {sig[120:]}",
            f"From: {from_name} <{from_addr}>" if from_name else f"From: {from_addr}",
            f"To: {to}",
            f"Subject: {subject}",
            f"Date: {date}",
            f"Message-ID: <{self.uid()}@{domain}>",
        ]
        if reply_to_msgid:
            h += [f"In-Reply-To: <{reply_to_msgid}>", f"References: <{reply_to_msgid}>"]
        h += list(extra)
        h.append("MIME-Version: 1.0")
        return "\n".join(h) + "\n"

    # A reply to one of our mails, in one of four client shapes, quoting what we sent.
    def reply(self, ours, from_addr, text, name=None):
        r = self.rng
        name = name or " ".join(w.capitalize() for w in from_addr.split("@")[0].split("."))
        to = f"Safeguarding <safeguarding+{ours['token']}@example.test>"
        subject = "RE: " + ours["subject"]
        head = self.envelope(name, from_addr, to, subject, reply_to_msgid=ours["msgid"])
        quoted = ours["body"].strip("\n")
        sign = f"\n\nKind regards\n{name}\n"
        shape = r.randrange(4)
        if shape == 0:  # plain, top-posted, "On ... wrote:" and > quotes
            q = "\n".join("> " + line if line else ">" for line in quoted.split("\n"))
            body = (f"{text}{sign}\nOn Mon, 23 Nov 2026 at 09:30, Child Protection Conference "
                    f"Team <safeguarding@example.test> wrote:\n{q}\n")
            return head + "Content-Type: text/plain; charset=utf-8\n" \
                "Content-Transfer-Encoding: 8bit\n\n" + body
        if shape == 1:  # Outlook: plain and HTML, the original under a From:/Sent: block
            b = f"_000_{r.getrandbits(64):016x}_"
            block = (f"From: Child Protection Conference Team <safeguarding@example.test>\n"
                     f"Sent: Monday, November 23, 2026 9:30 AM\nTo: {name} <{from_addr}>\n"
                     f"Subject: {ours['subject']}\n")
            plain = f"{text}{sign}\n{'_' * 32}\n{block}\n{quoted}\n"
            html_q = "<br>\n".join(html_escape(x) for x in quoted.split("\n"))
            html_t = "".join(f"<div>{html_escape(x)}</div>\n" for x in
                             (text + sign).split("\n"))
            html = (f"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; "
                    f"charset=utf-8\"></head><body>\n{html_t}<hr>\n<div id=\"divRplyFwdMsg\" "
                    f"dir=\"ltr\"><b>From:</b> Child Protection Conference Team<br>\n<b>Sent:"
                    f"</b> Monday, November 23, 2026 9:30 AM<br>\n<b>Subject:</b> "
                    f"{html_escape(ours['subject'])}</div>\n<div>{html_q}</div>\n</body></html>")
            return head + (f"Content-Type: multipart/alternative;\n\tboundary=\"{b}\"\n\n"
                           f"--{b}\nContent-Type: text/plain; charset=\"utf-8\"\n"
                           f"Content-Transfer-Encoding: 8bit\n\n{plain}\n--{b}\n"
                           f"Content-Type: text/html; charset=\"utf-8\"\n"
                           f"Content-Transfer-Encoding: 8bit\n\n{html}\n--{b}--\n")
        if shape == 2:  # HTML only, Gmail-like quote
            html_q = "<br>\n".join(html_escape(x) for x in quoted.split("\n"))
            html_t = "<br>\n".join(html_escape(x) for x in (text + sign).split("\n"))
            html = (f"<div dir=\"ltr\">{html_t}</div><br><div class=\"gmail_quote\"><div "
                    f"dir=\"ltr\" class=\"gmail_attr\">On Mon, 23 Nov 2026 at 09:30, Child "
                    f"Protection Conference Team &lt;safeguarding@example.test&gt; wrote:<br>"
                    f"</div><blockquote class=\"gmail_quote\">{html_q}</blockquote></div>\n")
            return head + "Content-Type: text/html; charset=\"UTF-8\"\n" \
                "Content-Transfer-Encoding: 8bit\n\n" + html
        # a phone: short, no signature block, the quote follows
        q = "\n".join("> " + line for line in quoted.split("\n")[:12])
        return head + "Content-Type: text/plain; charset=us-ascii\n\n" \
            f"{text}\n\nSent from my phone\n\n> On 23 Nov 2026, at 09:30, Safeguarding " \
            f"wrote:\n>\n{q}\n"

    def chair(self):
        lists = self.by_kind["distribution_list"]
        fresh = [m for m in lists if m["token"] not in self.authorised and
                 m["token"] not in self.answered]
        if fresh and self.rng.random() < 0.6:
            m = self.rng.choice(fresh)
            self.answered.add(m["token"])
            return self.reply(m, m["to"], self.rng.choice(CHAIR_FIRST))
        m = self.rng.choice(lists)
        return self.reply(m, m["to"], self.rng.choice(CHAIR_AGAIN))

    def slo(self):
        m = self.rng.choice(self.by_kind["escalation"])
        return self.reply(m, m["to"], self.rng.choice(SLO_TEXT))

    def attachment_size(self):
        r = self.rng
        if r.random() < 0.2:
            return r.randrange(100 * 1024, 1024 * 1024)
        return r.randrange(20 * 1024, 90 * 1024)

    def report(self, size=None):
        r = self.rng
        m = r.choice(self.by_kind["report_request"])
        size = size or self.attachment_size()
        ref = re.search(r"\[(CP-[0-9-]+)\]", m["subject"]).group(1)
        fname = f"{ref} post-conference report.pdf"
        magic = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
        data = magic + r.randbytes(size - len(magic))
        b = f"----=_Part_{r.getrandbits(40)}"
        name = " ".join(w.capitalize() for w in m["to"].split("@")[0].split("."))
        head = self.envelope(name, m["to"], f"safeguarding+{m['token']}@example.test",
                             "RE: " + m["subject"], reply_to_msgid=m["msgid"])
        parts = [head + f"Content-Type: multipart/mixed; boundary=\"{b}\"\n\n",
                 f"--{b}\nContent-Type: text/plain; charset=utf-8\n\n"
                 f"Dear team,\n\nPlease find attached our post-conference report for {ref}.\n"
                 f"\nKind regards\n{name}\n\n",
                 f"--{b}\nContent-Type: application/pdf; name=\"{fname}\"\n"
                 f"Content-Disposition: attachment; filename=\"{fname}\"\n"
                 f"Content-Transfer-Encoding: base64\n\n"]
        return "".join(parts) + b64_lines(data) + f"\n--{b}--\n"

    def many_attachments(self, count=100, size=200 * 1024):
        """A report with `count` PDF attachments of `size` bytes each (the parse limit is
        100 attachments): the report is the first, the rest are stored beside it."""
        r = self.rng
        m = r.choice(self.by_kind["report_request"])
        ref = re.search(r"\[(CP-[0-9-]+)\]", m["subject"]).group(1)
        b = f"----=_Part_{r.getrandbits(40)}"
        name = " ".join(w.capitalize() for w in m["to"].split("@")[0].split("."))
        head = self.envelope(name, m["to"], f"safeguarding+{m['token']}@example.test",
                             "RE: " + m["subject"], reply_to_msgid=m["msgid"])
        parts = [head + f"Content-Type: multipart/mixed; boundary=\"{b}\"\n\n",
                 f"--{b}\nContent-Type: text/plain; charset=utf-8\n\n"
                 f"Dear team,\n\nOur report for {ref} and its appendices are attached.\n"
                 f"\nKind regards\n{name}\n\n"]
        magic = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
        for i in range(count):
            fname = f"{ref} appendix {i + 1}.pdf" if i else f"{ref} post-conference report.pdf"
            data = magic + r.randbytes(size - len(magic))
            parts.append(f"--{b}\nContent-Type: application/pdf; name=\"{fname}\"\n"
                         f"Content-Disposition: attachment; filename=\"{fname}\"\n"
                         f"Content-Transfer-Encoding: base64\n\n" + b64_lines(data) + "\n")
        return "".join(parts) + f"--{b}--\n"

    def any_ours(self):
        kinds = ["distribution_list", "escalation", "report_request"]
        return self.rng.choice(self.by_kind[self.rng.choice(kinds)])

    def out_of_office(self):
        r = self.rng
        m = self.any_ours()
        name = " ".join(w.capitalize() for w in m["to"].split("@")[0].split("."))
        back = "Monday 30 November 2026"
        text = (f"Thank you for your email. I am away from the office until {back} with no "
                "access to email.\nFor anything urgent please contact the duty desk on "
                "01632 960000.\n")
        kind = r.randrange(3)
        if kind == 0:  # Exchange
            extra = ["Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All",
                     f"Thread-Topic: {m['subject']}", "X-MS-Exchange-Inbox-Rules-Loop: "
                     + m["to"]]
            subject = "Automatic reply: " + m["subject"]
        elif kind == 1:  # Sieve/Gmail vacation
            extra = ["Auto-Submitted: auto-replied (vacation)", "Precedence: bulk"]
            subject = "Out of office"
        else:  # only the subject says so
            extra = []
            subject = "Out of Office: " + m["subject"]
        head = self.envelope(name, m["to"], "safeguarding@example.test", subject, extra,
                             reply_to_msgid=m["msgid"])
        return head + "Content-Type: text/plain; charset=utf-8\n\n" + text

    def bounce(self):
        r = self.rng
        m = self.any_ours()
        domain = m["to"].split("@")[1]
        b = f"{r.getrandbits(40):010X}.{r.getrandbits(30)}/mx.example.test"
        head = self.envelope("Mail Delivery System", "MAILER-DAEMON@mx.example.test",
                             "safeguarding@example.test", "Undelivered Mail Returned to Sender",
                             ["Auto-Submitted: auto-replied"])
        head = head.replace("Return-Path: <MAILER-DAEMON@mx.example.test>", "Return-Path: <>")
        return head + (
            f"Content-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"{b}\"\n\n"
            f"This is a MIME-encapsulated message.\n\n--{b}\nContent-Description: Notification\n"
            f"Content-Type: text/plain; charset=utf-8\n\nThis is the mail system at host "
            f"mx.example.test.\n\nI'm sorry to have to inform you that your message could not\n"
            f"be delivered to one or more recipients.\n\n<{m['to']}>: host mx.{domain} said: "
            f"550 5.1.1\n    <{m['to']}>: Recipient address rejected: User unknown\n\n"
            f"--{b}\nContent-Description: Delivery report\nContent-Type: message/delivery-status"
            f"\n\nReporting-MTA: dns; mx.example.test\nArrival-Date: Wed, 25 Nov 2026 09:14:05 "
            f"+0000\n\nFinal-Recipient: rfc822; {m['to']}\nAction: failed\nStatus: 5.1.1\n"
            f"Diagnostic-Code: smtp; 550 5.1.1 User unknown\n\n--{b}\nContent-Description: "
            f"Undelivered Message Headers\nContent-Type: text/rfc822-headers\n\n"
            f"From: Child Protection Conference Team <safeguarding@example.test>\n"
            f"To: {m['to']}\nSubject: {m['subject']}\nMessage-Id: <{m['msgid']}>\n"
            f"Auto-Submitted: auto-generated\n\n--{b}--\n")

    # 40 MB as IMAP counts it (CRLF; under the 40 MiB default limit) of empty parts, "--b"
    # and a blank line each: some 5.7 million parts, which GMime's tree once took GBs for.
    def many_parts(self, size=40 * 1000 * 1000):
        head = self.envelope("Unknown", "sender@elsewhere.example.net",
                             "safeguarding@example.test", "documents")
        head += "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
        n = (size - len(head) - head.count("\n") - 7) // 7
        return head + "--b\n\n" * n + "--b--\n"

    def stranger(self, safety=False):
        r = self.rng
        name = person(r)
        addr = address(name, r.choice(["mailbox.example.com", "webmail.example.net",
                                       "council.example"]))
        subject, text = r.choice(STRANGER)
        if safety:
            subject = "Worried about a child"
            text = ("Hello,\n\nI live next door and I am very worried. I think the child is in "
                    "immediate danger tonight.\nPlease can somebody call me back.\n")
        head = self.envelope(name, addr, "safeguarding@example.test", subject)
        return head + f"Content-Type: text/plain; charset=utf-8\n\n{text}\n\n{name}\n"

    def colleague(self):
        """A forward with the reference in the subject, no token, sometimes a document."""
        r = self.rng
        m = self.any_ours()
        name = person(r)
        addr = address(name, "council.example")
        head = self.envelope(name, addr, "safeguarding@example.test", "FW: " + m["subject"])
        text = f"Forwarding for the file.\n\n{name}\nChildren's Services\n\n" + m["body"]
        if r.random() < 0.5:
            return head + f"Content-Type: text/plain; charset=utf-8\n\n{text}"
        b = f"----=_Part_{r.getrandbits(40)}"
        doc = b"PK\x03\x04" + r.randbytes(r.randrange(10 * 1024, 60 * 1024))
        return head + (f"Content-Type: multipart/mixed; boundary=\"{b}\"\n\n--{b}\n"
                       f"Content-Type: text/plain; charset=utf-8\n\n{text}\n--{b}\n"
                       f"Content-Type: application/vnd.openxmlformats-officedocument."
                       f"wordprocessingml.document; name=\"notes.docx\"\nContent-Disposition: "
                       f"attachment; filename=\"notes.docx\"\nContent-Transfer-Encoding: "
                       f"base64\n\n{b64_lines(doc)}\n--{b}--\n")

    def newsletter(self):
        r = self.rng
        topic = r.choice(NEWSLETTER_TOPICS)
        extra = ["List-Id: Partnership news <news.partnership.example.org>",
                 "List-Unsubscribe: <https://partnership.example.org/unsubscribe>",
                 "Precedence: list"]
        head = self.envelope("Safeguarding Partnership", "news@partnership.example.org",
                             "safeguarding@example.test", topic, extra)
        items = "".join(f"<h2>{topic}: item {i}</h2><p>" + "Lorem ipsum dolor sit amet, "
                        "consectetur adipiscing elit. " * r.randrange(10, 40) + "</p>\n"
                        for i in range(1, 6))
        return head + "Content-Type: text/html; charset=utf-8\n\n" \
            f"<html><body><h1>{topic}</h1>\n{items}</body></html>\n"

    # The mix of a team mailbox: who writes, and how often (per hundred).
    MIX = [("chair", 18), ("slo", 18), ("report", 10), ("out_of_office", 16), ("bounce", 6),
           ("stranger", 20), ("newsletter", 6), ("colleague", 5), ("safety", 1)]

    def any(self):
        kind = self.rng.choices([k for k, _ in self.MIX], [w for _, w in self.MIX])[0]
        if kind == "safety":
            return kind, self.stranger(safety=True)
        return kind, getattr(self, kind)()


def html_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def b64_lines(data):
    text = base64.b64encode(data).decode()
    return "\n".join(text[i:i + 76] for i in range(0, len(text), 76))


def write_maildir(folder, messages):
    """Files named as Dovecot's LMTP names them, with S= (size) and W= (size with CRLF), so
    neither tool pays for a size the server would otherwise have to compute."""
    cur = os.path.join(folder, "cur")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
    total = 0
    for i, text in enumerate(messages):
        data = text.encode("utf-8")
        total += len(data)
        vsize = len(data) + data.count(b"\n")
        name = f"{1795600000 + i}.M{i}P1.bench,S={len(data)},W={vsize}:2,"
        with open(os.path.join(cur, name), "wb") as f:
            f.write(data)
    return total


def as_submitted(text):
    """Without the trace headers the generator writes as if already delivered: OpenSMTPD
    refuses a message that already names the mailbox in Delivered-To (a loop)."""
    head, _, body = text.partition("\n\n")
    keep, skip = [], False
    for line in head.split("\n"):
        if line[:1] in (" ", "\t"):
            if not skip:
                keep.append(line)
            continue
        skip = line.split(":", 1)[0].lower() in ("return-path", "delivered-to", "received")
        if not skip:
            keep.append(line)
    return "\n".join(keep) + "\n\n" + body
