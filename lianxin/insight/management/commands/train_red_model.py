"""`manage.py train_red_model --real DIR`: fit the red model on real public text and the labelled appeals and
write it (JSON) to lianxin/insight/suggest/red_model.json, or to `--out`.

DIR holds sos_dev.jsonl, die_dev.jsonl, weibo_dev.jsonl, gov_dev.jsonl and cold_dev.jsonl (the real-text
folder described in the project's shared data). Each file's held-out part is never fitted on; the figures
measured there are printed and stored with the model. Nothing is written when fitting fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.insight.suggest import redmodel, redtrain


class Command(BaseCommand):
    help = "Fit the red model on real text and the labelled appeals; write it as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--real", required=True, help="the folder of real-text JSON lines files")
        parser.add_argument("--out", default=str(redmodel.SHIPPED), help="where to write the model")

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(options["real"])
        missing = [name for name in redtrain.REAL_FILES.values() if not (folder / name).is_file()]
        if missing:
            raise CommandError(f"{folder}: missing {', '.join(missing)}")
        try:
            fitted = redtrain.fit(folder, log=self.stdout.write)
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise CommandError(f"could not fit the red model: {exc}") from exc
        for name, row in fitted.figures.items():
            self.stdout.write(f"held out  {name:15} {row}")
        out = Path(options["out"])
        tmp = out.with_suffix(".tmp")
        tmp.write_text(json.dumps(fitted.model, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        tmp.replace(out)
        self.stdout.write(f"wrote {out} ({out.stat().st_size // 1024} KiB)")
