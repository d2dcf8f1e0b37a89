"""Flask-Migrate's ``flask db`` on retort: change one import.

    from flask_retort import Migrate      # was: from flask_migrate import Migrate
    migrate = Migrate(app, db)

``flask db init``, ``migrate -m``, ``upgrade``, ``downgrade``, ``current``, ``history``,
``heads``, ``branches``, ``show``, ``stamp``, ``merge``, ``check``, ``edit`` take
Flask-Migrate's options; every other retort command (``status``, ``verify``, ``drift``,
``lint``, ``doctor``, ``backup``, ``restore``, ``baseline``, ``test``, ``graph``, ``squash``)
is ``flask db <command>`` too. The models are the application's SQLAlchemy metadata,
rendered as DDL in-process; the database URL is the application's own (``db.engine.url``),
handed to retort in the environment, never on a command line. Output and exit codes
are retort's.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from .ddl import render

__all__ = ["Migrate", "render"]

# Flask-Migrate's keyword arguments that configure Alembic itself: accepted, with a note.
ALEMBIC_ONLY = ("compare_type", "render_as_batch", "compare_server_default", "include_schemas", "include_object", "process_revision_directives")


class Migrate:
    """Registers the ``flask db`` command group (``command=`` names it otherwise)."""

    def __init__(self, app=None, db=None, directory="migrations", command="db", **kwargs):
        self.db = db
        self.directory = str(directory)
        self.command = command
        self.alembic_only = sorted(k for k in kwargs)
        self.configure_callbacks = []
        # What Flask-Migrate's env.py reads, so `flask db adopt` can run Alembic's offline
        # mode on the project's own env.py.
        self.configure_args = dict(kwargs)
        if app is not None and db is not None:
            self.init_app(app, db, directory, command, **kwargs)

    def init_app(self, app, db=None, directory=None, command=None, **kwargs):
        self.db = db if db is not None else self.db
        self.directory = str(directory if directory is not None else self.directory)
        self.command = command or self.command
        self.alembic_only = sorted(set(self.alembic_only) | set(kwargs))
        app.extensions["migrate"] = self
        app.cli.add_command(_group(self.command), self.command)

    def configure(self, f):
        """Flask-Migrate's Alembic-configuration hook: kept so applications load."""
        self.configure_callbacks.append(f)
        return f

    def call_configure_callbacks(self, config):
        for f in self.configure_callbacks:
            config = f(config)
        return config

    @property
    def metadata(self):
        return self.db.metadata


def _migrate() -> Migrate:
    return current_app.extensions["migrate"]


def _binary() -> str:
    """The retort binary the wheel installed next to this Python, else the one on PATH."""
    here = Path(sys.executable).parent / "retort"
    found = str(here) if here.exists() else shutil.which("retort")
    if not found:
        raise click.ClickException("the retort binary is not installed: pip install flask-retort")
    return found


class _Bind:
    """One database of the application: the default one (key None) or an SQLALCHEMY_BINDS
    entry, with its engine, its models and its own retort project file and history."""

    def __init__(self, key):
        db = _migrate().db
        self.key = key
        self.engine = db.engines[key] if key is not None else db.engine
        metadatas = getattr(db, "metadatas", None)
        self.metadata = metadatas[key] if metadatas is not None and key in metadatas else (db.metadata if key is None else None)
        if self.metadata is None:
            import sqlalchemy as sa

            self.metadata = sa.MetaData()
        self.config = Path("retort.toml" if key is None else f"retort-{key}.toml")

    def directory(self, base: str) -> str:
        return Path(base).as_posix() if self.key is None else (Path(base) / self.key).as_posix()


def _bind_keys() -> list:
    return [None, *sorted(k for k in (current_app.config.get("SQLALCHEMY_BINDS") or {}) if k is not None)]


def _binds() -> list:
    """The databases a command acts on: every bind with its own project file after `init
    --multidb`, else the default one."""
    binds = [_Bind(k) for k in _bind_keys()]
    multi = [b for b in binds if b.key is None or b.config.exists()]
    return multi if len(multi) > 1 else binds[:1]


def _engine():
    return _migrate().db.engine


def _retort_url(url) -> str:
    """The application's SQLAlchemy URL in retort's form (password kept: it goes into the
    child's environment only)."""
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise click.ClickException("an in-memory SQLite database cannot be migrated: configure a file")
        return "sqlite://" + os.path.abspath(url.database)
    scheme = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql"}.get(backend)
    if scheme is None:
        raise click.ClickException(f"retort does not handle {backend} databases (SQLite, PostgreSQL, MySQL/MariaDB)")
    return url.set(drivername=scheme, query={}).render_as_string(hide_password=False)


def _dialect(engine=None) -> str:
    backend = (engine or _engine()).url.get_backend_name()
    return {"postgresql": "postgres", "mariadb": "mysql"}.get(backend, backend)


def _notes() -> None:
    m = _migrate()
    if m.alembic_only:
        click.echo(f"note: Migrate({', '.join(f'{k}=' for k in m.alembic_only)}) configures Alembic and does not apply to retort", err=True)


def _alembic_revisions(directory: str) -> list[Path]:
    return sorted((Path(directory) / "versions").glob("*.py"))


def _run(args: list[str], models: bool = False) -> None:
    """Runs retort with the application's URL (and rendered models) in its environment;
    exits with retort's exit code."""
    _notes()
    left = _alembic_revisions(_migrate().directory)
    if left:
        raise click.ClickException(
            f"{_migrate().directory}/versions still holds {len(left)} Flask-Migrate (Alembic) revision(s), which retort does not run: "
            f"take them over once with `flask {_migrate().command} adopt` (their history and the database are kept)"
        )
    binds = _binds()
    codes = []
    for bind in binds:
        if len(binds) > 1:
            click.echo(f"[{bind.key or 'default'}]", err=True)
        codes.append(_run_bind(bind, args, models))
    raise SystemExit(next((c for c in codes if c != 0), 0))


def _run_bind(bind: _Bind, args: list[str], models: bool) -> int:
    """One retort run on one bind: its project file, URL and models."""
    env = dict(os.environ)
    env["DATABASE_URL"] = _retort_url(bind.engine.url)
    # retort's messages then name the commands as typed here (`flask db upgrade`).
    env["RETORT_INVOKED_AS"] = f"flask {_migrate().command}"
    tmp = None
    try:
        if models:
            tmp = tempfile.NamedTemporaryFile("w", suffix=".sql", prefix="flask-retort-models-", delete=False)
            tmp.write(render(bind.metadata, bind.engine.url.get_backend_name()))
            tmp.close()
            env["RETORT_MODELS"] = tmp.name
        config = ["--config", str(bind.config)] if bind.config.exists() else []
        return subprocess.call([_binary(), *config, *args], env=env)
    finally:
        if tmp is not None:
            os.unlink(tmp.name)


def _run_adopt(args: list[str]) -> None:
    """`retort adopt alembic`: the one command that runs while Alembic revisions are there."""
    env = dict(os.environ, DATABASE_URL=_retort_url(_engine().url))
    raise SystemExit(subprocess.call([_binary(), *args], env=env))


CONFIG = """# retort project of a Flask application (flask-retort). Paths are relative to this file.
[project]
dialect = "{dialect}"
# The application's SQLAlchemy models rendered as DDL (`flask db` renders them itself).
models_command = ["flask", "{command}", "models"{bind}]
migrations = "{directory}"
version_table = "alembic_version"
log_table = "retort_log"
default_env = "dev"

[env.dev]
# `flask db` sets DATABASE_URL from the application's SQLALCHEMY_DATABASE_URI.
url = "${{DATABASE_URL}}"
"""


def _group(name: str) -> click.Group:
    @click.group(name=name, cls=AppGroup, help="Database migrations (retort, Flask-Migrate's commands).")
    def db():
        pass

    @db.command()
    @click.option("-d", "--directory", default=None, help="Migration script directory (default: Migrate's directory).")
    @click.option("--multidb", is_flag=True, help="One history (and retort-<bind>.toml) per SQLALCHEMY_BINDS entry.")
    @click.option("-t", "--template", default=None, help="Alembic template: does not apply to retort.")
    @click.option("--package", is_flag=True, help="Alembic option: does not apply to retort.")
    def init(directory, multidb, template, package):
        """Creates retort.toml and the migrations directory."""
        directory = directory or _migrate().directory
        binds = [_Bind(k) for k in _bind_keys()] if multidb else [_Bind(None)]
        for bind in binds:
            if bind.config.exists():
                raise click.ClickException(f"{bind.config.resolve()} already exists; refusing to overwrite an existing project")
        versions = Path(directory) / "versions"
        if versions.exists() and any(versions.glob("*.py")):
            raise click.ClickException(f"{directory} holds Flask-Migrate (Alembic) revisions: run `flask {name} adopt` to take them over")
        for bind in binds:
            (Path(bind.directory(directory)) / "versions").mkdir(parents=True, exist_ok=True)
            extra = "" if bind.key is None else f', "--bind", "{bind.key}"'
            bind.config.write_text(CONFIG.format(dialect=_dialect(bind.engine), command=name, directory=bind.directory(directory), bind=extra))
        ignore = Path(".gitignore")
        lines = ignore.read_text().splitlines() if ignore.exists() else []
        wanted = ["/backups/", "/.retort/"]
        missing = [w for w in wanted if w not in lines]
        if missing:
            with ignore.open("a") as f:
                f.write(("\n" if lines and lines[-1] else "") + "# retort: backups hold data; the cache is local\n" + "\n".join(missing) + "\n")
        made = ", ".join(str(b.config) for b in binds)
        click.echo(f"Created {made} and {versions}/; next: `flask {name} migrate -m \"initial\"`")

    @db.command()
    @click.option("--bind", default=None, help="An SQLALCHEMY_BINDS key (default: the default database).")
    def models(bind):
        """Prints the application's models as DDL (retort's models_command)."""
        b = _Bind(bind)
        click.echo(render(b.metadata, b.engine.url.get_backend_name()), nl=False)

    @db.command()
    @click.option("-m", "--message", default=None, help="Revision message.")
    @click.option("--rev-id", default=None, help="Revision id to use.")
    @click.option("--rename", multiple=True, help="TABLE.OLD=NEW: a column rename (retort).")
    @click.option("--allow-unverified", is_flag=True,
                  help="Keep a revision that did not verify on a copy of head (retort; exit 0).")
    @click.option("-d", "--directory", default=None, hidden=True)
    @click.option("--sql", is_flag=True, hidden=True)
    @click.option("--head", default=None, hidden=True)
    @click.option("--splice", is_flag=True, hidden=True)
    @click.option("--branch-label", default=None, hidden=True)
    @click.option("--version-path", default=None, hidden=True)
    @click.option("-x", "--x-arg", multiple=True, hidden=True)
    def migrate(message, rev_id, rename, allow_unverified, directory, sql, head, splice, branch_label, version_path, x_arg):
        """Autogenerates a revision from the models."""
        if not message:
            click.echo("note: a message (-m) names the revision file and tells reviewers what changed", err=True)
            message = "autogenerated"
        args = ["migrate", "-m", message, *[a for r in rename for a in ("--rename", r)]]
        if rev_id:
            args += ["--rev-id", rev_id]
        if allow_unverified:
            args.append("--allow-unverified")
        _run(args, models=True)

    @db.command()
    @click.option("-m", "--message", default=None)
    @click.option("--autogenerate", is_flag=True, help="Same as `migrate`.")
    @click.option("--rev-id", default=None)
    @click.option("--head", default=None)
    @click.option("--branch-label", default=None)
    @click.option("-d", "--directory", default=None, hidden=True)
    @click.option("--sql", is_flag=True, hidden=True)
    @click.option("--splice", is_flag=True, hidden=True)
    @click.option("--version-path", default=None, hidden=True)
    def revision(message, autogenerate, rev_id, head, branch_label, directory, sql, splice, version_path):
        """An empty revision to write by hand."""
        message = message or "revision"
        if autogenerate:
            _run(["migrate", "-m", message] + (["--rev-id", rev_id] if rev_id else []), models=True)
        args = ["revision", "-m", message]
        for flag, value in (("--rev-id", rev_id), ("--head", head), ("--branch-label", branch_label)):
            if value:
                args += [flag, value]
        _run(args)

    def _apply(verb, default):
        @db.command(name=verb)
        @click.argument("revision", default=default)
        @click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
        @click.option("--tag", default=None, hidden=True)
        @click.option("-x", "--x-arg", multiple=True, hidden=True)
        @click.option("-d", "--directory", default=None, hidden=True)
        def apply(revision, sql, tag, x_arg, directory):
            args = [verb, revision]
            if sql:
                args = [verb, "--sql", revision if ":" in revision else (f"head:{revision}" if verb == "downgrade" else revision)]
            _run(args)

        apply.__doc__ = f"{verb.capitalize()}s the database (default: {default})."
        return apply

    _apply("upgrade", "head")
    _apply("downgrade", "-1")

    def _passthrough(cmd, doc, models=False):
        @db.command(name=cmd, context_settings={"ignore_unknown_options": True, "allow_extra_args": True}, add_help_option=False)
        @click.pass_context
        def run(ctx):
            _run([cmd, *ctx.args], models=models)

        run.__doc__ = doc
        return run

    for cmd, doc in (
        ("current", "The revision(s) the database is at."),
        ("heads", "The heads of the revision graph."),
        ("branches", "Branch points of the revision graph."),
        ("show", "A revision's details."),
        ("merge", "A revision joining heads."),
        ("status", "Where the database is and what is pending."),
        ("verify", "Applied files against their checksums."),
        ("drift", "The live schema against its revision."),
        ("lint", "Lint rules over revisions."),
        ("doctor", "Diagnoses the usual breakages."),
        ("backup", "Backs the database up."),
        ("restore", "Restores a backup."),
        ("baseline", "A revision from the live schema."),
        ("graph", "The revision graph as a picture."),
        ("squash", "Replaces a range of revisions by one."),
        ("resolve", "Records how a dirty revision was repaired."),
        ("recover-file", "Writes a lost revision file back from the database's log."),
        ("cache", "What autogenerate keeps between runs (`cache clear`)."),
    ):
        _passthrough(cmd, doc)
    _passthrough("check", "Exit 1 when the models differ from head or the database drifted.", models=True)
    _passthrough("test", "Round-trips every revision on a scratch database.", models=True)

    @db.command()
    @click.option("-r", "--rev-range", default=None)
    @click.option("-v", "--verbose", is_flag=True)
    @click.option("-i", "--indicate-current", is_flag=True, hidden=True)
    @click.option("-d", "--directory", default=None, hidden=True)
    def history(rev_range, verbose, indicate_current, directory):
        """The revision graph, newest first."""
        args = ["history"] + (["-r", rev_range] if rev_range else [])
        _run((["-v"] if verbose else []) + args)

    @db.command()
    @click.argument("revision", default="head")
    @click.option("--sql", is_flag=True)
    @click.option("--purge", is_flag=True)
    @click.option("--force", is_flag=True, help="Record it even when the live schema differs (retort).")
    @click.option("-d", "--directory", default=None, hidden=True)
    @click.option("--tag", default=None, hidden=True)
    def stamp(revision, sql, purge, force, directory, tag):
        """Sets the version table without running SQL (retort checks the schema first)."""
        _run(["stamp", revision] + (["--sql"] if sql else []) + (["--purge"] if purge else []) + (["--force"] if force else []))

    @db.command()
    @click.argument("revision", default="head")
    @click.option("-d", "--directory", default=None, hidden=True)
    def edit(revision, directory):
        """Opens a revision file in $EDITOR."""
        import json

        env = dict(os.environ, DATABASE_URL=_retort_url(_engine().url))
        out = subprocess.run([_binary(), "show", revision, "--json"], env=env, capture_output=True, text=True)
        if out.returncode != 0:
            sys.stderr.write(out.stderr)
            raise SystemExit(out.returncode)
        click.edit(filename=json.loads(out.stdout)["path"])

    @db.command()
    @click.option("-d", "--directory", default=None, help="The Flask-Migrate directory (default: Migrate's).")
    def adopt(directory):
        """Takes over this project's Flask-Migrate (Alembic) history, database kept.

        Alembic's own offline mode, run here on the project's env.py, gives each
        revision's SQL; `retort adopt alembic` converts, proves and records them."""
        directory = directory or _migrate().directory
        try:
            from alembic import command as alembic_command
            from alembic.config import Config
        except ImportError:
            raise click.ClickException("adopting needs Alembic, which Flask-Migrate brought: pip install alembic")
        if not Path("retort.toml").exists():
            Path("retort.toml").write_text(CONFIG.format(dialect=_dialect(), command=name, directory=Path(directory).as_posix(), bind=""))
        files = []
        try:
            for verb, rng in (("upgrade", "base:heads"), ("downgrade", "heads:base")):
                buffer = tempfile.NamedTemporaryFile("w", suffix=f"-{verb}.sql", prefix="flask-retort-alembic-", delete=False)
                files.append(buffer.name)
                config = Config(os.path.join(directory, "alembic.ini"), output_buffer=buffer)
                config.set_main_option("script_location", directory)
                getattr(alembic_command, verb)(config, rng, sql=True)
                buffer.close()
            _run_adopt(["adopt", "alembic", directory, *[a for f in files for a in ("--sql-from", f)]])
        finally:
            for f in files:
                os.unlink(f)

    return db
