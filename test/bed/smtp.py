#!/usr/bin/env python3
"""Test-bed SMTP server (aiosmtpd) on 127.0.0.1: STARTTLS required before AUTH PLAIN/LOGIN against one user;
every accepted message is written to <maildir>/new/<n>.eml with a <n>.json beside it (envelope from/to, auth user).
Recipients whose local part is "refused" are refused (550), so tests can see a recipient error.

usage: smtp.py PORT CERT KEY MAILDIR USER PASSWORD_FILE
"""
import asyncio
import json
import os
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    port, cert, key, maildir, user, password_file = sys.argv[1:7]
    with open(password_file, "rb") as f:
        password = f.read().rstrip(b"\n")
    os.makedirs(os.path.join(maildir, "new"), exist_ok=True)
    os.makedirs(os.path.join(maildir, "tmp"), exist_ok=True)
    counter = {"n": 0}

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == user.encode() and auth_data.password == password
        return AuthResult(success=ok, handled=False)

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.split("@")[0].lower() == "refused":
                return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            counter["n"] += 1
            name = "%d-%d" % (os.getpid(), counter["n"])
            tmp = os.path.join(maildir, "tmp", name + ".eml")
            with open(tmp, "wb") as f:
                f.write(envelope.original_content or envelope.content)
            with open(os.path.join(maildir, "new", name + ".json"), "w") as f:
                json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                           "user": session.login_data.decode() if isinstance(session.login_data, bytes) else None}, f)
            os.replace(tmp, os.path.join(maildir, "new", name + ".eml"))
            return "250 2.0.0 Message accepted"

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    controller = Controller(
        Handler(), hostname="127.0.0.1", port=int(port), server_hostname="localhost", ready_timeout=10,
        tls_context=ctx, require_starttls=True, authenticator=authenticator, auth_required=True,
        auth_require_tls=True,
    )
    controller.start()
    print("smtp: listening on 127.0.0.1:%s" % port, flush=True)
    loop = asyncio.new_event_loop()
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
