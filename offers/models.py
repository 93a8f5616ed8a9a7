"""Offer catalog: environments (design/live pairs), categories, offer spaces, offers
and the propositions made to profiles (the largest offer table)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaign.choices import ProfileTable

from .choices import EnvironmentKind, OfferStatus, PropositionStatus


class Environment(models.Model):
    """A design environment, or the read-only live environment paired with it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=EnvironmentKind)
    profile_table = models.CharField(
        _("targeting dimension"), max_length=20, choices=ProfileTable, default=ProfileTable.RECIPIENT
    )
    live = models.OneToOneField(
        "self",
        verbose_name=_("live environment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="design",
        limit_choices_to={"kind": EnvironmentKind.LIVE},
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("environment")
        verbose_name_plural = _("environments")

    def __str__(self):
        return self.name


class Category(models.Model):
    """A node of the offer catalog tree."""

    environment = models.ForeignKey(Environment, on_delete=models.PROTECT, related_name="categories")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(_("name"), max_length=200)
    enabled = models.BooleanField(_("enabled"), default=True)
    design_category = models.ForeignKey(
        "self",
        verbose_name=_("design category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_copies",
    )

    class Meta:
        ordering = ["environment", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "parent", "name"], name="offers_category_unique_name"
            )
        ]

    def __str__(self):
        return self.name


class OfferSpace(models.Model):
    """A placement on a channel where offers are presented."""

    environment = models.ForeignKey(Environment, on_delete=models.PROTECT, related_name="spaces")
    name = models.CharField(_("name"), max_length=200)
    channel = models.ForeignKey("campaign.Channel", on_delete=models.PROTECT)

    class Meta:
        ordering = ["environment", "name"]
        verbose_name = _("offer space")
        verbose_name_plural = _("offer spaces")
        constraints = [
            models.UniqueConstraint(fields=["environment", "name"], name="offers_space_unique_name")
        ]

    def __str__(self):
        return self.name


class OfferQuerySet(models.QuerySet):
    def approved_for_deployment(self):
        return self.filter(status=OfferStatus.APPROVED, environment__kind=EnvironmentKind.DESIGN)


class Offer(models.Model):
    """An offer; design offers are edited and approved, live offers are their copies."""

    environment = models.ForeignKey(Environment, on_delete=models.PROTECT, related_name="offers")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="offers")
    code = models.SlugField(_("code"), max_length=100)
    label = models.CharField(_("label"), max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=OfferStatus, default=OfferStatus.EDITION)
    weight = models.PositiveIntegerField(_("weight"), default=1)
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    content = models.TextField(_("content"), blank=True)
    design_offer = models.ForeignKey(
        "self",
        verbose_name=_("design offer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_copies",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["environment", "code"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        permissions = [
            ("approve_offer", _("Can approve offers")),
            ("view_live_offer", _("Can see live offers")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["environment", "code"], name="offers_offer_unique_code")
        ]
        indexes = [
            # offerMgt: approved design offers waiting for deployment.
            models.Index(
                fields=["approved_at"],
                name="offers_offer_approved",
                condition=Q(status=OfferStatus.APPROVED),
            ),
        ]

    def __str__(self):
        return f"{self.code} ({self.environment})"


class Proposition(models.Model):
    """An offer proposed to one profile (NmsPropositionRcp)."""

    offer = models.ForeignKey(Offer, on_delete=models.DO_NOTHING, related_name="propositions")
    space = models.ForeignKey(OfferSpace, on_delete=models.DO_NOTHING, null=True, blank=True)
    # Indexed by offers_prop_delivery (named, with its query).
    delivery = models.ForeignKey(
        "campaign.Delivery", on_delete=models.DO_NOTHING, null=True, blank=True, db_index=False
    )
    profile_table = models.CharField(_("profile table"), max_length=20, choices=ProfileTable)
    profile_id = models.BigIntegerField(_("profile id"))
    status = models.CharField(
        _("status"), max_length=20, choices=PropositionStatus, default=PropositionStatus.GENERATED
    )
    weight = models.FloatField(_("weight"), default=1.0)
    proposed_at = models.DateTimeField(_("proposed at"))

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("proposition")
        verbose_name_plural = _("propositions")
        indexes = [
            # cleanup purges by age; the proposition cube aggregates by date.
            models.Index(fields=["proposed_at"], name="offers_prop_proposed"),
            # the deleted-delivery purge removes a delivery's propositions.
            models.Index(fields=["delivery"], name="offers_prop_delivery"),
        ]
