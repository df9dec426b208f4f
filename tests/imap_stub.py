# SPDX-License-Identifier: AGPL-3.0-or-later
"""A small IMAP4rev1 server on 127.0.0.1 (RFC 3501), threaded, over a real socket: enough
of the protocol for imaplib and the bounce reader (messaging/bounces.py): CAPABILITY,
LOGIN, SELECT, CREATE, UID SEARCH (ALL, UNDELETED, UNFLAGGED, UNSEEN), UID FETCH with
BODY[] / BODY.PEEK[] as a literal, UID STORE and UID COPY of flags and messages,
EXPUNGE, CLOSE, NOOP, LOGOUT. It keeps folders in memory and records each command."""

from __future__ import annotations

import re
import socketserver
import threading
from dataclasses import dataclass, field

_TOKENS = re.compile(rb'"((?:[^"\\]|\\.)*)"|(\S+)')


@dataclass
class Stored:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


class Folders:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.boxes: dict[str, list[Stored]] = {"INBOX": []}
        self.next_uid = 1
        self.commands: list[str] = []

    def add(self, folder: str, raw: bytes, flags: set[str] | None = None) -> int:
        with self.lock:
            uid = self.next_uid
            self.next_uid += 1
            self.boxes.setdefault(folder, []).append(Stored(uid, raw, set(flags or ())))
            return uid


def _args(rest: bytes) -> list[str]:
    out = []
    for quoted, bare in _TOKENS.findall(rest):
        if bare:
            out.append(bare.decode())
        else:
            out.append(re.sub(rb"\\(.)", rb"\1", quoted).decode())
    return out


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def send(self, line: str | bytes) -> None:
        data = line.encode() if isinstance(line, str) else line
        self.wfile.write(data + b"\r\n")

    def handle(self) -> None:
        folders = self.server.folders
        selected: str | None = None
        authed = False
        self.send("* OK [CAPABILITY IMAP4rev1] nervepath test IMAP ready")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            parts = line.rstrip(b"\r\n").split(b" ", 2)
            tag = parts[0].decode()
            command = parts[1].decode().upper() if len(parts) > 1 else ""
            args = _args(parts[2]) if len(parts) > 2 else []
            with folders.lock:
                folders.commands.append(" ".join([command, *args[:1]]))
            if command == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1")
                self.send(f"{tag} OK CAPABILITY completed")
            elif command == "NOOP":
                self.send(f"{tag} OK NOOP completed")
            elif command == "LOGOUT":
                self.send("* BYE logging out")
                self.send(f"{tag} OK LOGOUT completed")
                return
            elif command == "LOGIN":
                if args == [self.server.user, self.server.password]:
                    authed = True
                    self.send(f"{tag} OK LOGIN completed")
                else:
                    self.send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials")
            elif not authed:
                self.send(f"{tag} BAD Log in first")
            elif command == "SELECT":
                name = args[0] if args else ""
                with folders.lock:
                    box = folders.boxes.get(name)
                    if box is None:
                        self.send(f"{tag} NO [NONEXISTENT] No such folder")
                        continue
                    selected = name
                    self.send(r"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)")
                    self.send(f"* {len(box)} EXISTS")
                    self.send("* 0 RECENT")
                    self.send("* OK [UIDVALIDITY 1] UIDs valid")
                    self.send(f"* OK [UIDNEXT {folders.next_uid}] Predicted next UID")
                self.send(f"{tag} OK [READ-WRITE] SELECT completed")
            elif command == "CREATE":
                with folders.lock:
                    if args[0] in folders.boxes:
                        self.send(f"{tag} NO [ALREADYEXISTS] Folder exists")
                        continue
                    folders.boxes[args[0]] = []
                self.send(f"{tag} OK CREATE completed")
            elif selected is None:
                self.send(f"{tag} BAD Select a folder first")
            elif command == "UID":
                self._uid(tag, selected, args)
            elif command in ("EXPUNGE", "CLOSE"):
                with folders.lock:
                    box = folders.boxes[selected]
                    for seq in reversed(range(len(box))):
                        if "\\Deleted" in box[seq].flags:
                            del box[seq]
                            if command == "EXPUNGE":
                                self.send(f"* {seq + 1} EXPUNGE")
                if command == "CLOSE":
                    selected = None
                self.send(f"{tag} OK {command} completed")
            else:
                self.send(f"{tag} BAD Unknown command {command}")

    def _uid(self, tag: str, selected: str, args: list[str]) -> None:
        folders = self.server.folders
        sub = args[0].upper() if args else ""
        with folders.lock:
            box = folders.boxes[selected]
            if sub == "SEARCH":
                wanted = {a.upper() for a in args[1:]}
                hits = [
                    s.uid
                    for s in box
                    if not ("UNDELETED" in wanted and "\\Deleted" in s.flags)
                    and not ("UNFLAGGED" in wanted and "\\Flagged" in s.flags)
                    and not ("UNSEEN" in wanted and "\\Seen" in s.flags)
                ]
                self.send("* SEARCH" + "".join(f" {uid}" for uid in hits))
            elif sub in ("FETCH", "STORE", "COPY"):
                uids = {int(u) for u in args[1].split(",")}
                for seq, stored in enumerate(box, start=1):
                    if stored.uid not in uids:
                        continue
                    if sub == "FETCH":
                        if "PEEK" not in args[2].upper():
                            stored.flags.add("\\Seen")
                        head = f"* {seq} FETCH (UID {stored.uid} BODY[] {{{len(stored.raw)}}}"
                        self.send(head.encode() + b"\r\n" + stored.raw + b")")
                    elif sub == "STORE":
                        flags = set(args[3].strip("()").split())
                        if args[2].upper().startswith("+"):
                            stored.flags |= flags
                        elif args[2].upper().startswith("-"):
                            stored.flags -= flags
                        else:
                            stored.flags = flags
                    else:
                        target = folders.boxes.get(args[2])
                        if target is None:
                            self.send(f"{tag} NO [TRYCREATE] No such folder")
                            return
                        target.append(Stored(folders.next_uid, stored.raw, set(stored.flags)))
                        folders.next_uid += 1
            else:
                self.send(f"{tag} BAD Unknown UID command")
                return
        self.send(f"{tag} OK UID {sub} completed")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    folders: Folders
    user: str
    password: str


class ImapStub:
    def __init__(self, user: str = "bounces", password: str = "s3cret pass") -> None:
        self.folders = Folders()
        self.user = user
        self.password = password
        self._server: _Server | None = None
        self.port = 0

    def start(self) -> ImapStub:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.folders = self.folders
        server.user = self.user
        server.password = self.password
        self.port = int(server.server_address[1])
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def folder(self, name: str) -> list[Stored]:
        with self.folders.lock:
            return list(self.folders.boxes.get(name, []))
