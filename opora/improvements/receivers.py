"""Stored scores follow the weights: any change to a factor weight rescores the backlog."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import services
from .models import FactorWeight


@receiver([post_save, post_delete], sender=FactorWeight)
def weights_changed(sender, **kwargs) -> None:
    services.rescore_all()
