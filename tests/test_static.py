"""The production static pipeline: collectstatic with WhiteNoise's manifest storage succeeds, so `make demo`
and a deployment can serve the vendored assets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent


def test_collectstatic_with_the_manifest_storage(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lianxin.settings",
        "DEBUG": "0",
        "LIANXIN_VAR_DIR": str(tmp_path / "var"),
        "STATIC_ROOT_OVERRIDE": str(tmp_path / "static"),
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    code = (
        "import sys; sys.modules.pop('pytest', None)\n"
        "import django, os\n"
        "from django.conf import settings\n"
        "django.setup()\n"
        "settings.STATIC_ROOT = os.environ['STATIC_ROOT_OVERRIDE']\n"
        "from django.core.management import call_command\n"
        "call_command('collectstatic', interactive=False, verbosity=0)\n"
        "print(settings.STORAGES['staticfiles']['BACKEND'])\n"
    )
    result = subprocess.run(  # noqa: S603 - a fixed interpreter and script
        [sys.executable, "-c", code], cwd=BASE, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "CompressedManifestStaticFilesStorage" in result.stdout
    manifest = (tmp_path / "static" / "staticfiles.json").read_text(encoding="utf-8")
    assert "vendor/bootstrap.bundle.min.js" in manifest and "lianxin.css" in manifest
