"""A throwaway PostgreSQL + PostGIS server for the tests: a new cluster in a temporary folder,
owned by an unprivileged user (PostgreSQL refuses to run as root), listening on a free port of
127.0.0.1, with a template database holding the postgis extension. A database per test is a
copy of that template (~0.1 s).

GEO_TEST_PG=postgresql://SUPERUSER@HOST:PORT/postgres uses a running server instead.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

TEMPLATE = "geo_test_template"
SEARCHED = "/usr/lib/postgresql/*/bin"  # Debian's postgresql package puts initdb here


class Unavailable(Exception):
    """No PostgreSQL server with PostGIS can be had here; the message says why."""


def server_bin() -> Path:
    """The folder holding initdb and pg_ctl: Debian's newest, else the ones on PATH."""
    for folder in sorted(glob.glob(SEARCHED), key=lambda f: int(f.split("/")[-2]), reverse=True):
        if os.access(Path(folder) / "initdb", os.X_OK):
            return Path(folder)
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise Unavailable(
        "initdb not found (install Debian's postgresql and postgresql-15-postgis-3 packages)"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PgServer:
    """A running server: url(dbname) to connect, new_database() for an empty copy of the
    template, stop() to end it and remove its folder."""

    def __init__(self, base_url: str, *, folder: Path | None = None, owner=None) -> None:
        self.base_url = base_url.rsplit("/", 1)[0]  # without the database name
        self.folder = folder
        self.owner = owner  # the pwd entry the server runs as, when we started it
        self._numbers = itertools.count()

    @classmethod
    def start(cls) -> PgServer:
        """Initialise and start a new cluster; Unavailable when that cannot be done."""
        external = os.environ.get("GEO_TEST_PG")
        if external:
            server = cls(external)
            server._make_template()
            return server
        binaries = server_bin()
        owner = None
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                try:
                    owner = pwd.getpwnam(name)
                    break
                except KeyError:
                    continue
            else:
                raise Unavailable("running as root, and no unprivileged user to run PostgreSQL")
        folder = Path(tempfile.mkdtemp(prefix="geo-pg-"))
        if owner is not None:
            os.chown(folder, owner.pw_uid, owner.pw_gid)
        port = _free_port()
        server = cls(f"postgresql://geo@127.0.0.1:{port}/postgres", folder=folder, owner=owner)
        try:
            server._run(
                binaries / "initdb",
                "-D",
                str(folder / "data"),
                "-U",
                "geo",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-sync",
            )
            options = (
                f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={folder} "
                # a throwaway server: durability buys nothing here and costs seconds
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            server._run(
                binaries / "pg_ctl",
                "-D",
                str(folder / "data"),
                "-l",
                str(folder / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            )
            server._make_template()
        except Unavailable:
            server.stop()
            raise
        return server

    def _run(self, *command: object) -> None:
        owner = self.owner
        done = subprocess.run(
            [str(c) for c in command],
            capture_output=True,
            text=True,
            cwd=self.folder,
            user=owner.pw_uid if owner else None,
            group=owner.pw_gid if owner else None,
            extra_groups=[] if owner else None,
            timeout=120,
        )
        if done.returncode:
            log = ""
            if self.folder and (self.folder / "server.log").exists():
                log = (self.folder / "server.log").read_text(errors="replace")[-1500:]
            raise Unavailable(
                f"{Path(str(command[0])).name} failed: {done.stderr.strip()[-1500:]} {log}"
            )

    def _make_template(self) -> None:
        import psycopg

        try:
            with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
                conn.execute(f"CREATE DATABASE {TEMPLATE}")
            with psycopg.connect(self.url(TEMPLATE), autocommit=True) as conn:
                conn.execute("CREATE EXTENSION postgis")
        except psycopg.Error as exc:
            raise Unavailable(f"cannot set up the template database with PostGIS: {exc}") from exc

    def url(self, dbname: str) -> str:
        """The URL of one database of this server."""
        return f"{self.base_url}/{dbname}"

    def new_database(self) -> str:
        """A new database with PostGIS and nothing else; its URL."""
        import psycopg

        name = f"geo_test_{os.getpid()}_{next(self._numbers)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY")
        return self.url(name)

    def stop(self) -> None:
        """Stop the server we started and remove its folder (a server we were given stays)."""
        if self.folder is None:
            return
        if (self.folder / "data" / "postmaster.pid").exists():
            try:
                self._run(server_bin() / "pg_ctl", "-D", self.folder / "data", "-m", "fast", "stop")
            except Unavailable:
                pass  # removing its folder below is all that is left to do
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None
