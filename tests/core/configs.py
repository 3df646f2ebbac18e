"""The configuration files the assembly tests write, in sections a test puts together.

The test kiosk stands in Bollnäs's main library; the kiosk, its policy and its hardware are the
same whichever library system it talks to, so a test picks the ``[ils]`` section (and adds its
own lines to a section where it needs them).
"""

#: The kiosk itself (``{state}``: its state directory).
KIOSK = """
[kiosk]
id = "test-bollnas-1"
library = "SE-BOL"
library_name = "Bollnäs bibliotek"
branch = "BOL-HB"
branch_name = "Bollnäs huvudbibliotek"
state_dir = "{state}"
"""

#: The embedded library system, logged in to as the main library's kiosk account.
EMBEDDED_SIP2 = """
[ils]
embedded = true

[ils.sip2]
user = "kiosk-bol-hb"
password = "pw-bol-hb"
location_code = "BOL-HB-K1"
"""

#: A FOLIO (``{url}``, ``{tenant}``) logged in to as the main library's kiosk account.
FOLIO = """
[ils]
backend = "folio"

[ils.folio]
base_url = "{url}"
tenant = "{tenant}"
username = "kiosk-bol-hb"
"""

#: A PIN always, loans and returns offline, no printer.
POLICY_AND_HARDWARE = """
[policy]
pin = "always"
offline = "returns-and-loans"

[hardware.printer]
type = "none"
"""
