"""The drop folder page's example: a sender's files paired into documents, one archived, one refused.

Plays the sender and the SFTP server itself (the embedded server on 127.0.0.1, from the ``[sandbox]``
extra, in a temporary folder); needs no API.
"""

import json
import shutil
import tempfile
from pathlib import Path

from nuntiq_sandbox.sftp import EmbeddedSFTPServer
from nuntiq_sdk.sftp import DropFolder, SFTPSettings, SidecarRules, connect_sftp

work = Path(tempfile.mkdtemp())
root, inbox = work / "root", work / "root" / "scans"  # the server's "/" and its folder /scans
inbox.mkdir(parents=True)
(inbox / "INV-1.pdf").write_bytes(b"%PDF-1.4 invoice 1\n")
(inbox / "INV-1.json").write_text(json.dumps({"supplier_code": "SUP-1", "attachments": ["INV-1-ubl.xml"]}))
(inbox / "INV-1-ubl.xml").write_text("<Invoice/>")
(inbox / "INV-2.pdf").write_bytes(b"%PDF-1.4 invoice 2\n")
(inbox / "INV-2.json").write_text('{"supplier_code": ')  # torn: the sender's upload broke
(inbox / "INV-3.pdf.part").write_bytes(b"%PDF-1.4 still uploading")

with EmbeddedSFTPServer(root, users={"pull": "secret"}) as server:
    known_hosts = server.write_known_hosts(work / "known_hosts")
    settings = SFTPSettings(host=server.host, port=server.port, user="pull", password="secret", known_hosts=known_hosts)
    with connect_sftp(settings, owner="docs_example") as connection:
        folder = DropFolder(connection, "/scans")  # archive, error and .nuntiq-state under it
        folder.prepare()  # creates them; finishes the moves a killed run planned
        listing = folder.scan(settle_seconds=1)  # two listings a second apart
        print("still being written:", listing.skipped)
        plan = folder.plan(listing, SidecarRules(original_patterns=("*.pdf",)), max_documents=50)
        for document in plan.documents:
            if document.problem is None:
                print("archived:", folder.archive(document), "data:", document.values)
            else:
                moved, report = folder.reject(document, {"connector": "docs_example"})
                print("refused:", moved, "because", document.problem.reason.split(":")[0], "; report", report)

shutil.rmtree(work)
