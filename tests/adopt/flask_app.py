"""Builds a real Flask-Migrate application for the `retort adopt alembic` test.

Usage: python flask_app.py DIR DATABASE_URL
Creates DIR/app.py, runs `flask db init` and `flask db migrate`, writes a branch (two
revisions on the same parent, one with a Python data migration), a merge, and on
PostgreSQL an index built CONCURRENTLY in an autocommit block; then `flask db upgrade`.
Everything is Flask-Migrate's own output except the hand-written revision bodies.
"""
import os
import re
import subprocess
import sys

APP = '''import os
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_migrate import Migrate

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
db = SQLAlchemy(app)
migrate = Migrate(app, db)


class User(db.Model):
    __tablename__ = "users"
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(120), nullable=False, unique=True)
    bio = db.Column(db.Text)


class Post(db.Model):
    __tablename__ = "posts"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    title = db.Column(db.String(200), nullable=False)
    slug = db.Column(db.String(200))
'''


def flask(d, env, *args):
    out = subprocess.run([os.path.join(os.path.dirname(sys.executable), "flask"), "db", *args], cwd=d, env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"flask db {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout + out.stderr


def new_revision(d, env, message, head, up, down, splice=False):
    out = flask(d, env, "revision", "--head", head, "-m", message, *(["--splice"] if splice else []))
    path = re.search(r"Generating (\S+\.py)", out).group(1)
    text = open(path).read()
    text = text.replace("def upgrade():\n    pass", "def upgrade():\n" + up, 1)
    text = text.replace("def downgrade():\n    pass", "def downgrade():\n" + down, 1)
    open(path, "w").write(text)
    return re.search(r"Revision ID: (\w+)", text).group(1)


def main():
    d, url = sys.argv[1], sys.argv[2]
    os.makedirs(d, exist_ok=True)
    # The initial models: users and posts without bio/slug (added by the branch below).
    initial = APP.replace("    bio = db.Column(db.Text)\n", "").replace("    slug = db.Column(db.String(200))\n", "")
    open(os.path.join(d, "app.py"), "w").write(initial)
    env = dict(os.environ, FLASK_APP="app.py", DATABASE_URL=url)
    flask(d, env, "init")
    out = flask(d, env, "migrate", "-m", "initial tables")
    base = re.search(r"Generating \S+/(\w+?)_initial_tables\.py", out).group(1)
    # A branch: two revisions on the same parent.
    bio = new_revision(d, env, "add user bio", base,
                       "    op.add_column('users', sa.Column('bio', sa.Text(), nullable=True))\n",
                       "    op.drop_column('users', 'bio')\n")
    slug = new_revision(d, env, "add post slug", base,
                        "    op.add_column('posts', sa.Column('slug', sa.String(length=200), nullable=True))\n"
                        "    # A data migration in Python: fill the new column from the title.\n"
                        "    posts = sa.table('posts', sa.column('title', sa.String), sa.column('slug', sa.String))\n"
                        "    op.execute(posts.update().values(slug=sa.func.lower(posts.c.title)))\n",
                        "    op.drop_column('posts', 'slug')\n", splice=True)
    flask(d, env, "merge", "-m", "merge bio and slug", bio, slug)
    heads = flask(d, env, "heads")
    merge = heads.split()[0]
    if url.startswith("postgresql"):
        new_revision(d, env, "index post titles concurrently", merge,
                     "    with op.get_context().autocommit_block():\n"
                     "        op.create_index('ix_posts_title', 'posts', ['title'], postgresql_concurrently=True)\n",
                     "    with op.get_context().autocommit_block():\n"
                     "        op.drop_index('ix_posts_title', table_name='posts', postgresql_concurrently=True)\n")
    else:
        new_revision(d, env, "index post titles", merge,
                     "    op.create_index('ix_posts_title', 'posts', ['title'])\n",
                     "    op.drop_index('ix_posts_title', table_name='posts')\n")
    open(os.path.join(d, "app.py"), "w").write(APP)
    flask(d, env, "upgrade")
    print(flask(d, env, "current").strip())


if __name__ == "__main__":
    main()
