"""The eight factors start with the default weights of opora.improvements.scoring."""

from decimal import Decimal

from django.db import migrations

# Frozen here: later changes to the defaults must not rewrite history.
WEIGHTS = {
    "safety": "3.0",
    "frequency": "2.0",
    "scale": "2.0",
    "urgency": "1.5",
    "segment": "1.0",
    "prevention": "1.5",
    "brand": "1.0",
    "strategy": "1.0",
}


def add_weights(apps, schema_editor):
    FactorWeight = apps.get_model("improvements", "FactorWeight")
    for factor, weight in WEIGHTS.items():
        FactorWeight.objects.get_or_create(factor=factor, defaults={"weight": Decimal(weight)})


def remove_weights(apps, schema_editor):
    apps.get_model("improvements", "FactorWeight").objects.filter(factor__in=WEIGHTS).delete()


class Migration(migrations.Migration):
    dependencies = [("improvements", "0001_initial")]

    operations = [migrations.RunPython(add_weights, remove_weights)]
