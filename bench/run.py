#!/usr/bin/env python3
"""retort's benchmark harness.

Generates the workloads deterministically, runs each several times and reports the median
and spread of wall time and the peak memory (max RSS) of:

  * retort itself,
  * the limit: the same SQL (version-table and log statements included, exactly what
    `retort upgrade --sql` prints) fed to the engine's own client, one transaction per
    revision and one transaction for everything; for autogenerate, the engine creating the
    models' schema from the SQL file,
  * Alembic (installed from PyPI into bench/.venv), running the same SQL through
    op.execute, and its autogenerate on equivalent SQLAlchemy models.

Usage:  python3 bench/run.py [--runs N] [--smoke] [--no-alembic] [--engines sqlite,postgres,mysql]
                             [--out BENCHMARKS.md] [--retort PATH]
"""
import argparse
import json, datetime, os, platform, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PG_ADMIN = os.environ.get("RETORT_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")
MY_ADMIN = os.environ.get("RETORT_BENCH_MYSQL", "mysql://root@127.0.0.1:3306/mysql")


def run(cmd, cwd=None, env=None, stdin=None, check=True):
    """Runs a command; returns (seconds, peak RSS in MB, stdout)."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate()
    elapsed = time.perf_counter() - start
    if check and p.returncode != 0:
        raise SystemExit(f"command failed ({p.returncode}): {' '.join(map(str, cmd))}\n{err.decode()[-2000:]}")
    return elapsed, out.decode()


def run_measured(cmd, cwd=None, env=None, stdin_path=None, check=True):
    """Like run() but also returns the child's peak RSS (MB) via os.wait4."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    start = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    elapsed = time.perf_counter() - start
    err = p.stderr.read().decode()
    p.returncode = os.waitstatus_to_exitcode(status)
    if stdin_path:
        stdin.close()
    if check and p.returncode != 0:
        raise SystemExit(f"command failed ({p.returncode}): {' '.join(map(str, cmd))}\n{err[-3000:]}")
    return elapsed, usage.ru_maxrss / 1024.0


def rev_id(i):
    return f"{i + 1:012x}"


def chain_statements(i):
    """Revision i of the 1,000-revision chain: CREATE TABLE, ADD COLUMN, CREATE INDEX."""
    base = i - i % 3
    if i % 3 == 0:
        return [f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, a VARCHAR(50), b INTEGER)"], [f"DROP TABLE t{i}"]
    if i % 3 == 1:
        return [f"ALTER TABLE t{base} ADD COLUMN c{i} VARCHAR(20)"], [f"ALTER TABLE t{base} DROP COLUMN c{i}"]
    return [f"CREATE INDEX ix_{i} ON t{base} (a)"], [f"DROP INDEX ix_{i}"]


def chain_for(engine):
    """The chain in the engine's dialect (MySQL names the table in DROP INDEX)."""
    if engine != "mysql":
        return chain_statements

    def mysql(i):
        up, down = chain_statements(i)
        return up, [f"{s} ON t{i - i % 3}" if s.startswith("DROP INDEX") else s for s in down]
    return mysql


# Projects on a server, whose kept scratch databases `retort cache clear` drops at the end.
SERVER_PROJECTS = []


def forget_kept_scratch(retort, env):
    for d, engine in SERVER_PROJECTS:
        admin = PG_ADMIN if engine == "postgres" else MY_ADMIN
        subprocess.run([retort, "cache", "clear", "-q"], cwd=d, env=dict(env, DATABASE_URL=admin),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def write_retort_project(d, n, url, stmts=chain_statements):
    os.makedirs(os.path.join(d, "migrations", "versions"), exist_ok=True)
    dialect = "postgres" if url.startswith("postgres") else "mysql" if url.startswith("mysql") else "sqlite"
    if dialect != "sqlite":
        SERVER_PROJECTS.append((d, dialect))
    with open(os.path.join(d, "retort.toml"), "w") as f:
        f.write(f'[project]\ndialect = "{dialect}"\n\n[env.dev]\nurl = "{url}"\n')
    open(os.path.join(d, "models.sql"), "w").close()
    for i in range(n):
        up, down = stmts(i)
        parent = rev_id(i - 1) if i else ""
        text = (f"-- revision: {rev_id(i)}\n-- down_revision:{' ' + parent if parent else ''}\n-- message: step {i}\n"
                f"-- created: 2026-01-01T00:00:00Z\n\n-- +upgrade\n" + "".join(s + ";\n" for s in up) +
                "\n-- +downgrade\n" + "".join(s + ";\n" for s in down))
        with open(os.path.join(d, "migrations", "versions", f"{rev_id(i)}_step_{i}.sql"), "w") as f:
            f.write(text)


def models_sql(n):
    """n tables of 8 columns, an index and a foreign key each."""
    out = []
    for i in range(n):
        fk = f", CONSTRAINT fk_m{i} FOREIGN KEY (parent_id) REFERENCES m{i - 1} (id)" if i else ""
        out.append(f"CREATE TABLE m{i} (id INTEGER PRIMARY KEY, parent_id INTEGER, name VARCHAR(100) NOT NULL, "
                   f"email VARCHAR(255), score NUMERIC(10,2) DEFAULT 0, note TEXT, flag INTEGER NOT NULL DEFAULT 0, "
                   f"created VARCHAR(30){fk});")
        out.append(f"CREATE INDEX ix_m{i}_name ON m{i} (name);")
    return "\n".join(out) + "\n"


class Results:
    def __init__(self):
        self.rows = []

    def add(self, workload, engine, tool, times, mems):
        self.rows.append(dict(workload=workload, engine=engine, tool=tool, median=statistics.median(times),
                              lo=min(times), hi=max(times), mem=max(mems)))
        r = self.rows[-1]
        print(f"  {workload:<42} {engine:<9} {tool:<22} {r['median']*1000:9.1f} ms  [{r['lo']*1000:.1f}-{r['hi']*1000:.1f}]  {r['mem']:.1f} MB", flush=True)

    def get(self, workload, engine, tool):
        for r in self.rows:
            if (r["workload"], r["engine"], r["tool"]) == (workload, engine, tool):
                return r
        return None


def repeat(runs, prepare, cmd_fn):
    times, mems = [], []
    for _ in range(runs):
        ctx = prepare()
        cmd, kw = cmd_fn(ctx)
        t, m = run_measured(cmd, **kw)
        times.append(t)
        mems.append(m)
    return times, mems


def pg_url(name):
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def psql(sql, db="postgres"):
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", pg_url(db), "-c", sql], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


_counter = [0]


def fresh_pg():
    _counter[0] += 1
    name = f"retort_bench_{os.getpid()}_{_counter[0]}"
    psql(f"DROP DATABASE IF EXISTS {name}")
    psql(f"CREATE DATABASE {name}")
    return name


def my_url(name):
    return MY_ADMIN.rsplit("/", 1)[0] + "/" + name


def mariadb(sql):
    subprocess.run(["mariadb", "-h", "127.0.0.1", "-u", "root", "-e", sql], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def fresh_my():
    _counter[0] += 1
    name = f"retort_bench_{os.getpid()}_{_counter[0]}"
    mariadb(f"DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name}")
    return name


def fresh_db(engine, sqlite_dir):
    """A new empty database: a file path (SQLite) or a database name on the server."""
    if engine == "sqlite":
        p = os.path.join(sqlite_dir, "bench.db")
        if os.path.exists(p):
            os.remove(p)
        return p
    return fresh_pg() if engine == "postgres" else fresh_my()


def db_url(engine, target):
    return {"sqlite": lambda: "sqlite://" + target, "postgres": lambda: pg_url(target), "mysql": lambda: my_url(target)}[engine]()


def alembic_url(engine, target):
    return {"sqlite": lambda: f"sqlite:///{target}", "postgres": lambda: pg_url(target).replace("postgres://", "postgresql+psycopg2://"),
            "mysql": lambda: my_url(target).replace("mysql://", "mysql+pymysql://")}[engine]()


def single_transaction(script, engine):
    """The --sql script with per-revision transactions folded into one."""
    begin = "BEGIN IMMEDIATE;" if engine == "sqlite" else "BEGIN;"
    body = [l for l in script.split("\n") if l.strip() not in (begin, "COMMIT;")]
    return begin + "\n" + "\n".join(body) + "\nCOMMIT;\n"


def client_cmd(engine, target):
    if engine == "sqlite":
        return ["sqlite3", target]
    if engine == "mysql":
        return ["mariadb", "-h", "127.0.0.1", "-u", "root", target]
    return ["psql", "-q", "-v", "ON_ERROR_STOP=1", pg_url(target)]


# ---------------------------------------------------------------- Alembic
def alembic_env(work):
    venv = os.path.join(ROOT, "bench", ".venv")
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(os.path.join(venv, "bin", "alembic")):
        print("installing Alembic into bench/.venv ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([py, "-m", "pip", "install", "-q", "alembic", "sqlalchemy", "psycopg2-binary", "pymysql"], check=True)
    elif subprocess.run([py, "-c", "import pymysql"], capture_output=True).returncode != 0:
        subprocess.run([py, "-m", "pip", "install", "-q", "pymysql"], check=True)
    ver = subprocess.run([py, "-c", "import alembic, sqlalchemy; print(alembic.__version__, sqlalchemy.__version__)"],
                         check=True, capture_output=True, text=True).stdout.split()
    return os.path.join(venv, "bin", "alembic"), ver


def write_alembic_project(d, n, url, stmts=chain_statements, models=None):
    os.makedirs(os.path.join(d, "alembic", "versions"), exist_ok=True)
    with open(os.path.join(d, "alembic.ini"), "w") as f:
        f.write(f"[alembic]\nscript_location = alembic\nsqlalchemy.url = {url}\n\n[loggers]\nkeys = root\n[handlers]\nkeys = console\n"
                "[formatters]\nkeys = generic\n[logger_root]\nlevel = WARN\nhandlers = console\n[handler_console]\nclass = StreamHandler\n"
                "args = (sys.stderr,)\nlevel = NOTSET\nformatter = generic\n[formatter_generic]\nformat = %(message)s\n")
    target = "import models\ntarget_metadata = models.metadata\n" if models else "target_metadata = None\n"
    with open(os.path.join(d, "alembic", "env.py"), "w") as f:
        f.write("import sys, os\nsys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))\n"
                "from alembic import context\nfrom sqlalchemy import engine_from_config, pool\nconfig = context.config\n" + target +
                "def run():\n    engine = engine_from_config(config.get_section(config.config_ini_section), prefix='sqlalchemy.', poolclass=pool.NullPool)\n"
                "    with engine.connect() as connection:\n        context.configure(connection=connection, target_metadata=target_metadata)\n"
                "        with context.begin_transaction():\n            context.run_migrations()\nrun()\n")
    with open(os.path.join(d, "alembic", "script.py.mako"), "w") as f:
        f.write('"""${message}"""\nrevision = ${repr(up_revision)}\ndown_revision = ${repr(down_revision)}\nbranch_labels = None\ndepends_on = None\n'
                "from alembic import op\nimport sqlalchemy as sa\n\ndef upgrade():\n    ${upgrades if upgrades else 'pass'}\n\ndef downgrade():\n    ${downgrades if downgrades else 'pass'}\n")
    if models:
        with open(os.path.join(d, "models.py"), "w") as f:
            f.write(models)
    for i in range(n):
        up, down = stmts(i)
        parent = repr(rev_id(i - 1)) if i else "None"
        body = lambda ss: "\n".join(f"    op.execute({s!r})" for s in ss) or "    pass"
        with open(os.path.join(d, "alembic", "versions", f"{rev_id(i)}_step.py"), "w") as f:
            f.write(f'"""step {i}"""\nrevision = {rev_id(i)!r}\ndown_revision = {parent}\nbranch_labels = None\ndepends_on = None\n'
                    f"from alembic import op\n\ndef upgrade():\n{body(up)}\n\ndef downgrade():\n{body(down)}\n")


def sqlalchemy_models(n):
    lines = ["from sqlalchemy import MetaData, Table, Column, Integer, String, Numeric, Text, ForeignKey, Index", "metadata = MetaData()"]
    for i in range(n):
        fk = f", ForeignKey('m{i - 1}.id', name='fk_m{i}')" if i else ""
        lines.append(f"t = Table('m{i}', metadata, Column('id', Integer, primary_key=True), Column('parent_id', Integer{fk}), "
                     f"Column('name', String(100), nullable=False), Column('email', String(255)), Column('score', Numeric(10, 2), server_default='0'), "
                     f"Column('note', Text), Column('flag', Integer, nullable=False, server_default='0'), Column('created', String(30)))")
        lines.append(f"Index('ix_m{i}_name', t.c.name)")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--smoke", action="store_true", help="tiny workloads, to check the harness works")
    ap.add_argument("--no-alembic", action="store_true")
    ap.add_argument("--engines", default="sqlite,postgres")
    ap.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"))
    ap.add_argument("--retort", help="the retort binary (default: build target/release/retort)")
    ap.add_argument("--only-flask", action="store_true", help="only the flask db rows (Flask-Migrate beside flask-retort)")
    ap.add_argument("--only-autogen", action="store_true", help="only the autogenerate rows (no flask, start-up, upgrade or fleet rows)")
    ap.add_argument("--only-rehearse", action="store_true", help="only the rehearsal rows")
    a = ap.parse_args()
    engines = a.engines.split(",")
    n_chain, n_hist, n_tables = (30, 100, 20) if a.smoke else (1000, 10000, 1000)
    n_real = 12 if a.smoke else 300
    retort = os.path.abspath(a.retort) if a.retort else None
    if not retort:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "retort-cli"], cwd=ROOT, check=True)
        retort = os.path.join(ROOT, "target", "release", "retort")
    alembic, alembic_ver = (None, None) if a.no_alembic else alembic_env(ROOT)
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.pop("RETORT_ENV", None)
    res = Results()
    work = tempfile.mkdtemp(prefix="retort-bench-")
    runs = a.runs
    print(f"workloads: chain {n_chain}, history {n_hist}, autogenerate {n_tables} tables; {runs} runs each; in {work}", flush=True)
    try:
        # -------- flask db: Flask-Migrate beside flask-retort on the same application
        if not a.no_alembic and not a.only_autogen:
            for engine in [e for e in engines if e in ("sqlite", "postgres")]:
                for n in ((5,) if a.smoke else (30, 300)):
                    flask_workload(work, engine, retort, env, res, runs, n)
        if a.only_flask:
            return write_report(a.out, res, retort, alembic_ver, runs, (n_chain, n_hist, n_tables), a.smoke)
        if a.only_rehearse:
            for engine in engines:
                rehearse_workload(work, engine, retort, env, res, runs, 2000 if a.smoke else 200_000)
            return write_report(a.out, res, retort, alembic_ver, runs, (n_chain, n_hist, n_tables), a.smoke)
        if not a.only_autogen:
            # -------- start-up and graph reads
            d = os.path.join(work, "startup")
            write_retort_project(d, n_chain, "sqlite://bench.db")
            run([retort, "upgrade", "-q"], cwd=d, env=env)
            # Graph commands keep an index of the revision files; files written seconds ago are
            # re-read until they have settled (racy edits), as in a project checked out a while ago.
            time.sleep(3.5)
            run([retort, "current"], cwd=d, env=env)
            t, m = repeat(runs, lambda: None, lambda _: ([retort, "--version"], dict(cwd=d, env=env)))
            res.add("start-up: --version", "-", "retort", t, m)
            t, m = repeat(runs, lambda: None, lambda _: ([retort, "current"], dict(cwd=d, env=env)))
            res.add(f"start-up: current at head ({n_chain} revs)", "sqlite", "retort", t, m)
            hist = os.path.join(work, "history")
            write_retort_project(hist, n_hist, "sqlite://bench.db", stmts=lambda i: (["SELECT 1"], ["SELECT 1"]))
            t, m = repeat(1, lambda: shutil.rmtree(os.path.join(hist, ".retort"), ignore_errors=True), lambda _: ([retort, "history"], dict(cwd=hist, env=env)))
            res.add(f"history ({n_hist} revs), files just written", "-", "retort", t, m)
            time.sleep(3.5)
            run([retort, "heads"], cwd=hist, env=env)
            for cmd in ("history", "heads"):
                t, m = repeat(runs, lambda: None, lambda _: ([retort, cmd], dict(cwd=hist, env=env)))
                res.add(f"{cmd} ({n_hist} revs)", "-", "retort", t, m)
            if alembic:
                ad = os.path.join(work, "alembic-startup")
                write_alembic_project(ad, n_chain, f"sqlite:///{ad}/bench.db")
                run([alembic, "upgrade", "head"], cwd=ad, env=env)
                t, m = repeat(runs, lambda: None, lambda _: ([alembic, "current"], dict(cwd=ad, env=env)))
                res.add(f"start-up: current at head ({n_chain} revs)", "sqlite", "alembic", t, m)
                ah = os.path.join(work, "alembic-history")
                write_alembic_project(ah, n_hist, f"sqlite:///{ah}/bench.db", stmts=lambda i: (["SELECT 1"], ["SELECT 1"]))
                for cmd in ("history", "heads"):
                    t, m = repeat(max(1, runs // 2), lambda: None, lambda _: ([alembic, cmd], dict(cwd=ah, env=env)))
                    res.add(f"{cmd} ({n_hist} revs)", "-", "alembic", t, m)

        # -------- upgrade / downgrade over the chain
        for engine in engines:
            d = os.path.join(work, f"chain-{engine}")
            url = "sqlite://bench.db" if engine == "sqlite" else db_url(engine, "placeholder")
            write_retort_project(d, n_chain, url, stmts=chain_for(engine))
            script = run([retort, "upgrade", "--sql"], cwd=d, env=env)[1]
            per_rev = os.path.join(d, "limit-per-revision.sql")
            one_tx = os.path.join(d, "limit-one-transaction.sql")
            open(per_rev, "w").write(script)
            open(one_tx, "w").write(single_transaction(script, engine))

            def fresh():
                return fresh_db(engine, d)

            def retort_env(target):
                e = dict(env)
                e["DATABASE_URL"] = db_url(engine, target)
                return e

            if not a.only_autogen:
                label = f"upgrade head ({n_chain} revs)"
                t, m = repeat(runs, fresh, lambda tgt: ([retort, "upgrade", "-q"], dict(cwd=d, env=retort_env(tgt))))
                res.add(label + ", tx per revision", engine, "retort", t, m)
                t, m = repeat(runs, fresh, lambda tgt: (client_cmd(engine, tgt), dict(stdin_path=per_rev)))
                res.add(label + ", tx per revision", engine, "limit (client)", t, m)
                # MySQL commits each DDL statement: no run is one transaction there.
                if engine != "mysql":
                    t, m = repeat(runs, fresh, lambda tgt: ([retort, "upgrade", "-q", "--single-transaction"], dict(cwd=d, env=retort_env(tgt))))
                    res.add(label + ", one tx", engine, "retort", t, m)
                    t, m = repeat(runs, fresh, lambda tgt: (client_cmd(engine, tgt), dict(stdin_path=one_tx)))
                    res.add(label + ", one tx", engine, "limit (client)", t, m)

                def upgraded():
                    tgt = fresh()
                    run([retort, "upgrade", "-q"], cwd=d, env=retort_env(tgt))
                    return tgt
                t, m = repeat(runs, upgraded, lambda tgt: ([retort, "downgrade", "-q", "base"], dict(cwd=d, env=retort_env(tgt))))
                res.add(f"downgrade base ({n_chain} revs), tx per revision", engine, "retort", t, m)
                if alembic:
                    ad = os.path.join(work, f"alembic-chain-{engine}")

                    def alembic_fresh():
                        tgt = fresh()
                        url = alembic_url(engine, tgt)
                        write_alembic_project(ad, n_chain, url, stmts=chain_for(engine)) if not os.path.exists(os.path.join(ad, "alembic.ini")) else None
                        ini = os.path.join(ad, "alembic.ini")
                        text = open(ini).read().split("\n")
                        text = [f"sqlalchemy.url = {url}" if l.startswith("sqlalchemy.url") else l for l in text]
                        open(ini, "w").write("\n".join(text))
                        return tgt
                    t, m = repeat(runs, alembic_fresh, lambda _: ([alembic, "upgrade", "head"], dict(cwd=ad, env=env)))
                    res.add(label + ", tx per revision", engine, "alembic", t, m)

                    def alembic_up():
                        tgt = alembic_fresh()
                        run([alembic, "upgrade", "head"], cwd=ad, env=env)
                        return tgt
                    t, m = repeat(runs, alembic_up, lambda _: ([alembic, "downgrade", "base"], dict(cwd=ad, env=env)))
                    res.add(f"downgrade base ({n_chain} revs), tx per revision", engine, "alembic", t, m)

                # -------- a fleet already at head: one precheck per target
                if engine in ("sqlite", "postgres"):
                    fleet_workload(work, engine, retort, env, res, runs, (20 if engine == "sqlite" else 5) if a.smoke else (1000 if engine == "sqlite" else 100))

            # -------- autogenerate
            g = os.path.join(work, f"autogen-{engine}")
            url = "sqlite://bench.db" if engine == "sqlite" else db_url(engine, "placeholder")
            write_retort_project(g, 0, url)
            models = models_sql(n_tables)
            open(os.path.join(g, "models.sql"), "w").write(models)

            def autogen_fresh():
                shutil.rmtree(os.path.join(g, "migrations", "versions"))
                os.makedirs(os.path.join(g, "migrations", "versions"))
                tgt = fresh()
                # A first run: no cache, no kept scratch database.
                run([retort, "cache", "clear", "-q"], cwd=g, env=retort_env(tgt))
                return tgt
            label = f"autogenerate {n_tables} tables"
            t, m = repeat(runs, autogen_fresh, lambda tgt: ([retort, "migrate", "-q", "-m", "all", "--ignore-db"], dict(cwd=g, env=retort_env(tgt))))
            res.add(label + ", empty head", engine, "retort", t, m)
            t, m = repeat(runs, autogen_fresh, lambda tgt: ([retort, "migrate", "-q", "-m", "all", "--ignore-db", "--no-verify"], dict(cwd=g, env=retort_env(tgt))))
            res.add(label + ", empty head, --no-verify", engine, "retort", t, m)
            tgt = autogen_fresh()
            run([retort, "migrate", "-q", "-m", "all"], cwd=g, env=retort_env(tgt))
            run([retort, "upgrade", "-q"], cwd=g, env=retort_env(tgt))
            t, m = repeat(runs, lambda: tgt, lambda tgt: ([retort, "migrate", "-q", "-m", "none"], dict(cwd=g, env=retort_env(tgt))))
            res.add(label + ", nothing to change", engine, "retort", t, m)
            t, m = repeat(runs, lambda: tgt, lambda tgt: ([retort, "check", "-q", "--no-db"], dict(cwd=g, env=retort_env(tgt))))
            res.add(label + ", check, nothing to change", engine, "retort", t, m)

            def fresh_clone():
                # No .retort/ at all (a CI checkout): the head file's recorded fingerprint
                # of the models is all there is to answer from.
                shutil.rmtree(os.path.join(g, ".retort"), ignore_errors=True)
                return tgt
            t, m = repeat(runs, fresh_clone, lambda tgt: ([retort, "check", "-q", "--no-db"], dict(cwd=g, env=retort_env(tgt))))
            res.add(label + ", check, nothing to change, fresh clone", engine, "retort", t, m)
            models_file = os.path.join(g, "models.sql")
            versions = os.path.join(g, "migrations", "versions")
            edits = [0]
            middle = f"CREATE TABLE m{n_tables // 2} (id INTEGER PRIMARY KEY,"

            def add_column():
                # A new column each run, on a table another references: what a developer's
                # edit costs (the previous run's file removed, the database still at head).
                for f in os.listdir(versions):
                    if "one_column" in f:
                        os.remove(os.path.join(versions, f))
                edits[0] += 1
                open(models_file, "w").write(models.replace(middle, f"{middle} extra_{edits[0]} INTEGER,"))
                return tgt
            t, m = repeat(runs, add_column, lambda tgt: ([retort, "migrate", "-q", "-m", "one column"], dict(cwd=g, env=retort_env(tgt))))
            res.add(label + ", one column added (verified)", engine, "retort", t, m)
            for f in os.listdir(versions):
                if "one_column" in f:
                    os.remove(os.path.join(versions, f))
            open(models_file, "w").write(models)
            if engine == "sqlite":
                t, m = repeat(runs, lambda: None, lambda _: (["sqlite3", ":memory:"], dict(stdin_path=models_file)))
            else:
                t, m = repeat(runs, fresh, lambda db: (client_cmd(engine, db), dict(stdin_path=models_file)))
            res.add(label + ", empty head", engine, "limit (client)", t, m)
            if alembic:
                ag = os.path.join(work, f"alembic-autogen-{engine}")

                def alembic_autogen_fresh():
                    tgt = fresh()
                    url = alembic_url(engine, tgt)
                    if os.path.exists(ag):
                        shutil.rmtree(ag)
                    write_alembic_project(ag, 0, url, models=sqlalchemy_models(n_tables))
                    return tgt
                t, m = repeat(max(1, runs // 2), alembic_autogen_fresh, lambda _: ([alembic, "revision", "--autogenerate", "-m", "all"], dict(cwd=ag, env=env)))
                res.add(label + ", empty head", engine, "alembic", t, m)

            # -------- a real-looking schema built by a history
            if engine != "sqlite" or a.smoke:
                real_schema_workload(work, engine, retort, env, res, runs, n_real)

            # -------- a rehearsal against the engine's own dump/restore and a plain upgrade
            if not a.only_autogen:
                rehearse_workload(work, engine, retort, env, res, runs, 2000 if a.smoke else 200_000)
    finally:
        forget_kept_scratch(retort, env)
        subprocess.run(["bash", "-c", f"for d in $(psql -tA '{PG_ADMIN}' -c \"select datname from pg_database where datname like 'retort_bench_{os.getpid()}_%'\" 2>/dev/null); do psql -q '{PG_ADMIN}' -c \"DROP DATABASE IF EXISTS $d WITH (FORCE)\"; done"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        leftovers = subprocess.run(["mariadb", "-h", "127.0.0.1", "-u", "root", "-N", "-e",
                                    f"SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'retort_bench_{os.getpid()}_%'"],
                                   capture_output=True, text=True).stdout.split()
        for db in leftovers:
            subprocess.run(["mariadb", "-h", "127.0.0.1", "-u", "root", "-e", f"DROP DATABASE IF EXISTS {db}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)
    write_report(a.out, res, retort, alembic_ver, runs, (n_chain, n_hist, n_tables), a.smoke)


# ---------------------------------------------------------------- fleets
def fleet_workload(work, engine, retort, env, res, runs, n):
    """`retort upgrade --all` over n databases (SQLite files) or schemas (PostgreSQL) that are
    already at head, against the floor of asking each target its version: one `sqlite3`
    per file (what a shell loop pays), one `psql` session reading every schema's table."""
    d = os.path.join(work, f"fleet-{engine}")
    names = [f"t{i:04d}" for i in range(n)]
    if engine == "sqlite":
        url, base = "sqlite://tenants/{target}.db", "sqlite://bench.db"
        os.makedirs(os.path.join(d, "tenants"), exist_ok=True)
    else:
        db = fresh_pg()
        for i in range(0, n, 200):
            psql("".join(f"CREATE SCHEMA {s};" for s in names[i:i + 200]), db=db)
        base = pg_url(db)
        url = base + "?schema={target}"
    write_retort_project(d, 3, base)
    with open(os.path.join(d, "retort.toml"), "a") as f:
        f.write(f'\n[env.fleet]\nurl = "{url}"\ntargets = [{", ".join(chr(34) + s + chr(34) for s in names)}]\n')
    run([retort, "--env", "fleet", "upgrade", "--all", "-q"], cwd=d, env=env)
    label = f"fleet at head: upgrade --all ({n} targets)"
    t, m = repeat(runs, lambda: None, lambda _: ([retort, "--env", "fleet", "upgrade", "--all", "-q"], dict(cwd=d, env=env)))
    res.add(label, engine, "retort", t, m)
    res.add(label + ", per target", engine, "retort", [x / n for x in t], m)
    if engine == "sqlite":
        loop = os.path.join(d, "floor.sh")
        open(loop, "w").write("for f in tenants/*.db; do sqlite3 \"$f\" 'SELECT version_num FROM alembic_version' >/dev/null; done\n")
        t, m = repeat(runs, lambda: None, lambda _: (["bash", loop], dict(cwd=d, env=env)))
    else:
        q = os.path.join(d, "floor.sql")
        open(q, "w").write("".join(f"SELECT version_num FROM {s}.alembic_version;\n" for s in names))
        t, m = repeat(runs, lambda: None, lambda _: (["psql", "-q", "-o", "/dev/null", pg_url(db)], dict(stdin_path=q)))
    res.add(label, engine, "limit (client)", t, m)
    res.add(label + ", per target", engine, "limit (client)", [x / n for x in t], m)


# ---------------------------------------------------------------- a real-looking schema
def real_schema_history(n):
    """A history of 30 revisions building n tables (FKs, indexes, a unique key each) and
    n/10 views, some on other views: the shape of a real project, for autogenerate."""
    revs, per = [], max(1, n // 30)
    for r in range(30):
        up, down = [], []
        for i in range(r * per, min(n, (r + 1) * per) if r < 29 else n):
            ref = f", CONSTRAINT fk_r{i} FOREIGN KEY (owner_id) REFERENCES r{i // 2} (id)" if i else ""
            up.append(f"CREATE TABLE r{i} (id INTEGER PRIMARY KEY, owner_id INTEGER, code VARCHAR(40) NOT NULL, title VARCHAR(200), "
                      f"amount NUMERIC(12,2) DEFAULT 0, status VARCHAR(20) NOT NULL DEFAULT 'new', CONSTRAINT uq_r{i}_code UNIQUE (code){ref})")
            up.append(f"CREATE INDEX ix_r{i}_status ON r{i} (status, title)")
            down.insert(0, f"DROP TABLE r{i}")
            if i % 10 == 9:
                base = f"v{i - 10}" if i % 20 == 19 else f"r{i}"
                cols = "id, code" if base.startswith("v") else "id, code, status"
                up.append(f"CREATE VIEW v{i} AS SELECT {cols} FROM {base}")
                down.insert(0, f"DROP VIEW v{i}")
        revs.append((up, down))
    return revs


def flask_env():
    """A venv with Flask, Flask-SQLAlchemy and Flask-Migrate, pinned (tests/adopt/requirements.txt)."""
    venv = os.path.join(ROOT, "target", "bench-flask-venv")
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(os.path.join(venv, "bin", "flask")):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([py, "-m", "pip", "install", "-q", "-r", os.path.join(ROOT, "tests", "adopt", "requirements.txt")], check=True)
    return os.path.join(venv, "bin")


def flask_app(n, tool):
    """A Flask application of n models (a chain of foreign keys, an index each), as
    Flask-Migrate's or flask-retort's; EXTRA=1 adds one model."""
    lines = ["import os", "from flask import Flask", "from flask_sqlalchemy import SQLAlchemy",
             f"from {tool} import Migrate", "app = Flask(__name__)",
             "app.config['SQLALCHEMY_DATABASE_URI'] = os.environ['APP_DB']", "db = SQLAlchemy(app)", "migrate = Migrate(app, db)"]
    for i in range(n):
        fk = f", db.ForeignKey('m{i - 1}.id')" if i else ""
        lines += [f"class M{i}(db.Model):", f"    __tablename__ = 'm{i}'", "    id = db.Column(db.Integer, primary_key=True)",
                  f"    parent_id = db.Column(db.Integer{fk})", "    name = db.Column(db.String(100), nullable=False, index=True)",
                  "    email = db.Column(db.String(255))", "    score = db.Column(db.Numeric(10, 2), server_default='0')", "    note = db.Column(db.Text)"]
    lines += ["if os.environ.get('EXTRA'):", "    class Extra(db.Model):", "        id = db.Column(db.Integer, primary_key=True)",
              "        m0_id = db.Column(db.Integer, db.ForeignKey('m0.id'))"]
    return "\n".join(lines) + "\n"


def flask_workload(work, engine, retort, env, res, runs, n):
    """`flask db migrate` (nothing to change; one new model) and `flask db upgrade` from
    base, with Flask-Migrate ("alembic" column) and with flask-retort ("retort")."""
    bin_dir = flask_env()
    flask = os.path.join(bin_dir, "flask")
    for tool, column in (("flask_migrate", "alembic"), ("flask_retort", "retort")):
        d = os.path.join(work, f"flask-{tool}-{engine}-{n}")
        os.makedirs(d)
        if engine != "sqlite" and tool == "flask_retort":
            SERVER_PROJECTS.append((d, engine))
        open(os.path.join(d, "app.py"), "w").write(flask_app(n, tool))
        target = fresh_db(engine, d)
        e = dict(env, FLASK_APP="app.py", APP_DB=alembic_url(engine, target),
                 PATH=f"{bin_dir}:{os.path.dirname(retort)}:{env.get('PATH', '')}",
                 PYTHONPATH=os.path.join(ROOT, "python", "flask-retort"))
        run([flask, "db", "init"], cwd=d, env=e)
        run([flask, "db", "migrate", "-m", "initial"], cwd=d, env=e)
        run([flask, "db", "upgrade"], cwd=d, env=e)
        versions = os.path.join(d, "migrations", "versions")
        baseline = set(os.listdir(versions))

        def forget_new():
            for f in set(os.listdir(versions)) - baseline:
                os.remove(os.path.join(versions, f))
        t, m = repeat(runs, forget_new, lambda _: ([flask, "db", "migrate", "-m", "none"], dict(cwd=d, env=e)))
        res.add(f"flask db migrate, {n} models, nothing to change", engine, column, t, m)
        t, m = repeat(runs, forget_new, lambda _: ([flask, "db", "migrate", "-m", "extra"], dict(cwd=d, env=dict(e, EXTRA="1"))))
        res.add(f"flask db migrate, {n} models, one new model", engine, column, t, m)
        forget_new()

        def fresh():
            tgt = fresh_db(engine, d)
            e["APP_DB"] = alembic_url(engine, tgt)
            return tgt
        t, m = repeat(runs, fresh, lambda _: ([flask, "db", "upgrade"], dict(cwd=d, env=e)))
        res.add(f"flask db upgrade, {n} models, from base", engine, column, t, m)


def real_schema_workload(work, engine, retort, env, res, runs, n):
    d = os.path.join(work, f"real-{engine}")
    revs = real_schema_history(n)
    write_retort_project(d, len(revs), "sqlite://bench.db" if engine == "sqlite" else db_url(engine, "placeholder"), stmts=lambda i: revs[i])
    models = "".join(s + ";\n" for up, _ in revs for s in up)
    models_file = os.path.join(d, "models.sql")
    open(models_file, "w").write(models)
    target = fresh_db(engine, d)
    e = dict(env)
    e["DATABASE_URL"] = db_url(engine, target)
    run([retort, "upgrade", "-q"], cwd=d, env=e)
    label = f"autogenerate, real schema ({n} tables, {n // 10} views, 30 revs)"
    cache = os.path.join(d, ".retort")
    t, m = repeat(runs, lambda: shutil.rmtree(cache, ignore_errors=True), lambda _: ([retort, "migrate", "-q", "-m", "none"], dict(cwd=d, env=e)))
    res.add(label + ", nothing to change, cold cache", engine, "retort", t, m)
    t, m = repeat(runs, lambda: None, lambda _: ([retort, "migrate", "-q", "-m", "none"], dict(cwd=d, env=e)))
    res.add(label + ", nothing to change", engine, "retort", t, m)
    versions = os.path.join(d, "migrations", "versions")

    edits = [0]

    def one_change():
        # Another new table each run (a developer's next edit), the previous file removed.
        for f in os.listdir(versions):
            if "one_change" in f:
                os.remove(os.path.join(versions, f))
        edits[0] += 1
        open(models_file, "w").write(models + f"CREATE TABLE extra_{edits[0]} (id INTEGER PRIMARY KEY, r0_id INTEGER REFERENCES r0 (id));\n")
    t, m = repeat(runs, one_change, lambda _: ([retort, "migrate", "-q", "-m", "one change"], dict(cwd=d, env=e)))
    res.add(label + ", one new table (verified)", engine, "retort", t, m)
    open(models_file, "w").write(models)
    t, m = repeat(runs, lambda: fresh_db(engine, d), lambda db: (client_cmd(engine, db), dict(stdin_path=models_file)))
    res.add(label + ", nothing to change", engine, "limit (client)", t, m)


def rehearse_workload(work, engine, retort, env, res, runs, n):
    """`retort rehearse` of a type change on an n-row table, in its two parts: the copy
    (made and dropped), against the engine's own dump/restore pair and DROP DATABASE (the
    limit), and the run on the copy
    (migrator, lock sampler, no writers), against `retort upgrade` of a copy made by that
    pair (the limit: the plain upgrade of the same copy)."""
    d = os.path.join(work, f"rehearse-{engine}")
    fill = {
        "postgres": f"INSERT INTO orders SELECT i, i % 1000, repeat('x', 100) FROM generate_series(1, {n}) i",
        "mysql": f"INSERT INTO orders SELECT seq, seq % 1000, REPEAT('x', 100) FROM seq_1_to_{n}",
        "sqlite": f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) INSERT INTO orders SELECT i, i % 1000, printf('%.100c', 'x') FROM s",
    }[engine]
    widen = {
        "postgres": "ALTER TABLE orders ALTER COLUMN amount TYPE BIGINT",
        "mysql": "ALTER TABLE orders MODIFY amount BIGINT NOT NULL",
        "sqlite": "ALTER TABLE orders ADD COLUMN status VARCHAR(10) NOT NULL DEFAULT 'new'",
    }[engine]
    revs = [(["CREATE TABLE orders (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL, note VARCHAR(200))", fill], ["DROP TABLE orders"]),
            ([widen, "UPDATE orders SET amount = amount + 1 WHERE id % 10 = 0"], ["SELECT 1"])]
    target = fresh_db(engine, d) if engine != "sqlite" else os.path.join(d, "live.db")
    write_retort_project(d, 2, db_url(engine, target), stmts=lambda i: revs[i])
    run([retort, "upgrade", "-q", rev_id(0)], cwd=d, env=env)
    label = f"rehearse ({n} rows, type change)"
    copies, runs_on_copy, mems = [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        out = run([retort, "--json", "rehearse"], cwd=d, env=env)[1]
        wall = time.perf_counter() - start
        report = json.loads(out)
        copy = (report["copy_ms"] + report["drop_ms"]) / 1000
        copies.append(copy)
        runs_on_copy.append(wall - copy)
        mems.append(0.0)
    res.add(label + ": the copy", engine, "retort", copies, mems)
    res.add(label + ": the run, vs a plain upgrade of a copy", engine, "retort", runs_on_copy, mems)
    dump = os.path.join(d, "dump")
    pair, plain = [], []
    for _ in range(runs):
        start = time.perf_counter()
        if engine == "postgres":
            copy_db = fresh_pg()
            subprocess.run(["pg_dump", "--format=custom", "--file", dump, pg_url(target)], check=True)
            subprocess.run(["pg_restore", "--no-owner", "-d", pg_url(copy_db), dump], check=True)
        elif engine == "mysql":
            copy_db = fresh_my()
            with open(dump, "wb") as f:
                subprocess.run(["mariadb-dump", "-h", "127.0.0.1", "-u", "root", "--single-transaction", target], check=True, stdout=f)
            with open(dump, "rb") as f:
                subprocess.run(["mariadb", "-h", "127.0.0.1", "-u", "root", copy_db], check=True, stdin=f)
        else:
            copy_db = os.path.join(d, "copy.db")
            if os.path.exists(copy_db):
                os.remove(copy_db)
            subprocess.run(["sqlite3", target, f".backup {copy_db}"], check=True)
        made = time.perf_counter() - start
        e = dict(env, DATABASE_URL=db_url(engine, copy_db))
        plain.append(run([retort, "upgrade", "-q"], cwd=d, env=e)[0])
        start = time.perf_counter()
        if engine == "postgres":
            psql(f"DROP DATABASE {copy_db} WITH (FORCE)")
        elif engine == "mysql":
            mariadb(f"DROP DATABASE {copy_db}")
        pair.append(made + time.perf_counter() - start)
    res.add(label + ": the copy", engine, "limit (client)", pair, [0.0])
    res.add(label + ": the run, vs a plain upgrade of a copy", engine, "limit (client)", plain, [0.0])


def version_of(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().split("\n")[0]
    except OSError:
        return "not found"


def write_report(path, res, retort, alembic_ver, runs, sizes, smoke):
    cpu = "unknown"
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    keys = []
    for r in res.rows:
        k = (r["workload"], r["engine"])
        if k not in keys:
            keys.append(k)
    lines = [
        "# retort benchmarks",
        "",
        f"Generated by `python3 bench/run.py{' --smoke' if smoke else ''}` on {datetime.date.today().isoformat()}: "
        f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}; median of {runs} runs, "
        "[min–max] in brackets, peak memory is the largest max-RSS of a run.",
        "",
        f"Versions: {version_of([retort, '--version'])}; {version_of(['sqlite3', '--version'])[:40]}; {version_of(['psql', '--version'])}; {version_of(['mariadb', '--version'])}; "
        f"Alembic {alembic_ver[0] + ' (SQLAlchemy ' + alembic_ver[1] + ')' if alembic_ver else 'not run'}.",
        "",
        "The limit is the engine's own client (`sqlite3`, `psql`, `mariadb`) running the same SQL, version-table and log statements included "
        "(the output of `retort upgrade --sql`); for autogenerate, the client creating the models' schema from models.sql.",
        "",
        "| workload | engine | retort | limit | alembic | retort / limit | alembic / retort | retort peak MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    fmt = lambda r: f"{r['median']*1000:.1f} ms [{r['lo']*1000:.1f}–{r['hi']*1000:.1f}]" if r else "–"
    for w, e in keys:
        rt, lim, al = res.get(w, e, "retort"), res.get(w, e, "limit (client)"), res.get(w, e, "alembic")
        ratio = f"{rt['median']/lim['median']:.2f}x" if rt and lim else "–"
        aratio = f"{al['median']/rt['median']:.1f}x" if rt and al else "–"
        lines.append(f"| {w} | {e} | {fmt(rt)} | {fmt(lim)} | {fmt(al)} | {ratio} | {aratio} | {rt['mem']:.1f} |" if rt else f"| {w} | {e} | – | {fmt(lim)} | {fmt(al)} | – | – | – |")
    text = "\n".join(lines) + "\n"
    open(path, "w").write(text)
    print("\n" + text)


if __name__ == "__main__":
    main()
