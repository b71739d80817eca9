from django.db import migrations


def remove_red_strings(apps, schema_editor):
    """The character-string weights learned the style of the examples they were fitted on and raised red on
    ordinary text; the red model (insight/suggest/redmodel.py) decides red now."""
    apps.get_model("insight", "LexiconRule").objects.filter(kind="ngram").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("insight", "0006_red_strings"),
    ]

    operations = [
        migrations.RunPython(remove_red_strings, migrations.RunPython.noop),
    ]
