"""Customer success listens for sign-ups: a customer who gets a portal login is welcomed."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from opora.customers.models import Customer

from . import services


@receiver(post_save, sender=Customer, dispatch_uid="success.welcome_on_signup")
def welcome_on_signup(
    sender, instance: Customer, created: bool, update_fields=None, raw=False, **kwargs
):
    if raw or not instance.user_id:
        return
    if created or (update_fields and "user" in update_fields):
        services.on_signup(instance)
