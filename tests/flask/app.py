"""A Flask application of the flask-retort test (crates/retort-cli/tests/practices/flask.rs).

APP_DB is its SQLAlchemy URL; APP_VERSION 1 or 2 picks the models (2: a column with an
index, a longer string, an enum with one more value, a new table with a foreign key); MIGRATE_DIR / MIGRATE_CMD are
Migrate's directory= and command=; compare_type is an Alembic-only option (a note).
"""
import os
from pathlib import Path

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_retort import Migrate

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["APP_DB"]
db = SQLAlchemy(app)
migrate = Migrate(app, db, directory=Path(os.environ.get("MIGRATE_DIR", "migrations")), command=os.environ.get("MIGRATE_CMD", "db"), compare_type=True)
V2 = os.environ.get("APP_VERSION", "1") == "2"


class Account(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120 if V2 else 80), nullable=False)
    # An enum gaining a value (PostgreSQL: a native enum type, ALTER TYPE … ADD VALUE).
    status = db.Column(db.Enum("draft", "live", *(["archived"] if V2 else []), name="account_status"), nullable=False, server_default="draft")
    if V2:
        email = db.Column(db.String(200), index=True)


if V2:

    class Post(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        account_id = db.Column(db.Integer, db.ForeignKey("account.id", ondelete="CASCADE"), nullable=False)
        title = db.Column(db.String(200), nullable=False, server_default="untitled")
