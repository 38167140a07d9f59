"""Settings come from the environment; production settings pass `civicgrid check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL"}}
    env.update(DEBUG="0", SECRET_KEY="x" * 20 + "-production-secret-from-the-environment-1234567",
               ALLOWED_HOSTS="civicgrid.example.org", CIVICGRID_VAR_DIR=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-m", "civicgrid", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout


def test_secret_key_comes_from_the_environment_when_set(tmp_path):
    env = dict(os.environ, SECRET_KEY="from-env-" + "k" * 50, CIVICGRID_VAR_DIR=str(tmp_path))
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    out = subprocess.run([sys.executable, "-c", f"import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup(); {code}"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "from-env-" + "k" * 50
    # Without it, a random per-install key is written to var/ and reused.
    env.pop("SECRET_KEY")
    runs = [subprocess.run([sys.executable, "-c", f"import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup(); {code}"],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=60).stdout.strip()
            for _ in range(2)]
    assert runs[0] == runs[1] and len(runs[0]) >= 50
    assert (tmp_path / "secret_key").exists()


def test_sqlite_is_tuned_for_concurrent_use(db):
    if connection.vendor != "sqlite":
        assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
        return
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    with connection.cursor() as cur:
        cur.execute("PRAGMA busy_timeout")
        assert cur.fetchone()[0] >= 5000
        cur.execute("PRAGMA foreign_keys")
        assert cur.fetchone()[0] == 1
