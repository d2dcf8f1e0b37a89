"""SQLAlchemy metadata rendered as DDL for one dialect: the models retort's autogenerate
reads. SQLAlchemy's own DDL compiler does the work (``create_all`` on a mock engine), so
tables, indexes, constraints, PostgreSQL enum types, sequences and comments come out in
dependency order, exactly as SQLAlchemy would create them. What SQLAlchemy keeps on the
client (``default=``, ``onupdate=``) is not schema, as with Alembic.
"""
from __future__ import annotations

import importlib
import sys

import sqlalchemy as sa

# retort's engines and the SQLAlchemy dialect each renders for.
DIALECTS = {"sqlite": "sqlite", "postgres": "postgresql", "postgresql": "postgresql", "mysql": "mysql", "mariadb": "mariadb"}


def render(metadata: sa.MetaData, dialect: str) -> str:
    """The DDL that creates ``metadata`` on ``dialect`` (``sqlite``, ``postgresql``, ``mysql``)."""
    name = DIALECTS.get(dialect, dialect)
    statements: list[str] = []
    engine = None

    def executor(sql, *multiparams, **params):
        statements.append(str(sql.compile(dialect=engine.dialect)).strip().rstrip(";") + ";")

    engine = sa.create_mock_engine(f"{name}://", executor)
    metadata.create_all(engine, checkfirst=False)
    return "\n\n".join(statements) + "\n"


def load(spec: str) -> sa.MetaData:
    """``package.module:attribute.path`` to a MetaData (or a declarative base / Flask-SQLAlchemy db)."""
    module_name, _, attr = spec.partition(":")
    obj = importlib.import_module(module_name)
    for part in filter(None, attr.split(".")):
        obj = getattr(obj, part)
    return getattr(obj, "metadata", obj)


def main(argv: list[str] | None = None) -> int:
    """``python -m flask_retort.ddl module:metadata --dialect postgres``: a plain SQLAlchemy
    application's models, for ``models_command`` in retort.toml."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m flask_retort.ddl", description=main.__doc__)
    parser.add_argument("metadata", help="module:attribute of a MetaData, a declarative base or a Flask-SQLAlchemy db")
    parser.add_argument("--dialect", required=True, help="sqlite, postgres or mysql")
    args = parser.parse_args(argv)
    sys.path.insert(0, ".")
    sys.stdout.write(render(load(args.metadata), args.dialect))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
