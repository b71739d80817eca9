"""The shipped lexicon of the triage suggester (lianxin.insight.suggest.lexicon_data)."""

from django.db import migrations

from lianxin.insight.suggest.lexicon_data import add_defaults


class Migration(migrations.Migration):
    dependencies = [("insight", "0002_defaults")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
