#!/usr/bin/env python3
"""One SMTP AUTH session against a qmail-smtpd started on pipes, as tcpserver would:
smtp_auth_client.py MECH USER PASSWORD -- QMAIL-SMTPD [ARGS...]. MECH is PLAIN, LOGIN or
CRAM-MD5 (the response computed here with Python's hmac, independently of our code).
Prints the server's final reply line; exits 0 for 235, 1 for 535, 2 for anything else.
The dialog goes to stderr."""
import base64
import hashlib
import hmac
import subprocess
import sys


def main():
    mech, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
    cmd = sys.argv[sys.argv.index("--") + 1:]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def send(line):
        sys.stderr.write("C: " + line + "\n")
        p.stdin.write(line.encode() + b"\r\n")
        p.stdin.flush()

    def reply():
        lines = []
        while True:
            raw = p.stdout.readline()
            if not raw:
                raise SystemExit("qmail-smtpd closed the connection")
            line = raw.decode(errors="replace").rstrip("\r\n")
            sys.stderr.write("S: " + line + "\n")
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return lines

    b64 = lambda s: base64.b64encode(s.encode()).decode()
    reply()  # greeting
    send("EHLO client.example.org")
    ehlo = reply()
    if not any(l[4:].startswith("AUTH") and mech in l.split() for l in ehlo):
        print("AUTH " + mech + " not offered")
        return 2
    if mech == "PLAIN":
        send("AUTH PLAIN " + b64("\0" + user + "\0" + password))
    elif mech == "LOGIN":
        send("AUTH LOGIN")
        reply()
        send(b64(user))
        reply()
        send(b64(password))
    else:
        send("AUTH CRAM-MD5")
        challenge = base64.b64decode(reply()[-1][4:])
        digest = hmac.new(password.encode(), challenge, hashlib.md5).hexdigest()
        send(b64(user + " " + digest))
    final = reply()[-1]
    print(final)
    send("QUIT")
    try:
        p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
    return 0 if final.startswith("235") else 1 if final.startswith("535") else 2


if __name__ == "__main__":
    sys.exit(main())
