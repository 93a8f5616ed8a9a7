"""Offer catalog: environments (design/live pairs), categories, offer spaces, offers,
their content per space and audit trail, and the propositions made to profiles.

Live is stored in the same tables as design, told apart by the environment: a live row
is a copy that offerMgt (offers.deployment) writes, linked to the design row it copies
by `design_category` / `design_space` / `design_offer`. Those links keep the design
row's id even after the design row is deleted (no database constraint): the deployment
recognises a copy whose design row is gone and deactivates it. Live rows are never
edited by hand. README, "Offer catalog and deployment", says why.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaign.choices import ProfileTable

from .choices import Approval, AuditAction, EnvironmentKind, OfferStatus, PropositionStatus


class EnvironmentQuerySet(models.QuerySet):
    def design(self):
        return self.filter(kind=EnvironmentKind.DESIGN)

    def live(self):
        return self.filter(kind=EnvironmentKind.LIVE)


class Environment(models.Model):
    """A design environment (edited by offer managers), or the read-only live
    environment paired with it. One pair per targeting dimension."""

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

    objects = EnvironmentQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("environment")
        verbose_name_plural = _("environments")

    def __str__(self):
        return self.name

    @property
    def is_live(self):
        return self.kind == EnvironmentKind.LIVE


class CategoryQuerySet(models.QuerySet):
    def design(self):
        return self.filter(environment__kind=EnvironmentKind.DESIGN)

    def live(self):
        return self.filter(environment__kind=EnvironmentKind.LIVE)


class Category(models.Model):
    """A node of the offer catalog tree. Its validity, weight multiplier, themes and
    target filter apply to every offer below it (sub-categories inherit them)."""

    environment = models.ForeignKey(
        Environment, verbose_name=_("environment"), on_delete=models.PROTECT, related_name="categories"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name = models.CharField(_("name"), max_length=200)
    enabled = models.BooleanField(_("enabled"), default=True)
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    weight = models.FloatField(
        _("weight multiplier"),
        default=1.0,
        db_default=1.0,
        validators=[MinValueValidator(0.0)],
        help_text=_("Multiplies the weight of every offer below this category."),
    )
    themes = models.CharField(
        _("themes"),
        max_length=300,
        blank=True,
        default="",
        db_default="",
        help_text=_("Application themes, separated by commas; sub-categories inherit them."),
    )
    target = models.JSONField(
        _("target filter"),
        null=True,
        blank=True,
        help_text=_("A saved recipient filter; empty: every recipient. Sub-categories inherit it."),
    )
    # Live rows: the design category copied (kept after that row is deleted, see above).
    design_category = models.ForeignKey(
        "self",
        verbose_name=_("design category"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # offers_category_one_live_copy indexes it
        related_name="live_copies",
    )
    deployed_at = models.DateTimeField(_("deployed at"), null=True, blank=True)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["environment", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            # Sibling names are unique in design; live copies follow their design rows
            # (a swap of two names would collide halfway through one UPDATE).
            models.UniqueConstraint(
                fields=["environment", "parent", "name"],
                condition=Q(design_category__isnull=True),
                name="offers_category_unique_name",
            ),
            # offerMgt finds a design category's live copy (one at most) by this key.
            models.UniqueConstraint(fields=["design_category"], name="offers_category_one_live_copy"),
        ]

    def __str__(self):
        return self.name


class OfferSpaceQuerySet(models.QuerySet):
    def design(self):
        return self.filter(environment__kind=EnvironmentKind.DESIGN)

    def live(self):
        return self.filter(environment__kind=EnvironmentKind.LIVE)


class OfferSpace(models.Model):
    """A placement on a channel where offers are presented (an email banner, a push
    message…); an offer has its content per space."""

    environment = models.ForeignKey(
        Environment, verbose_name=_("environment"), on_delete=models.PROTECT, related_name="spaces"
    )
    name = models.CharField(_("name"), max_length=200)
    channel = models.ForeignKey("campaign.Channel", verbose_name=_("channel"), on_delete=models.PROTECT)
    enabled = models.BooleanField(_("enabled"), default=True, db_default=True)
    # Live rows: the design space copied (kept after that row is deleted).
    design_space = models.ForeignKey(
        "self",
        verbose_name=_("design space"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # offers_space_one_live_copy indexes it
        related_name="live_copies",
    )
    deployed_at = models.DateTimeField(_("deployed at"), null=True, blank=True)

    objects = OfferSpaceQuerySet.as_manager()

    class Meta:
        ordering = ["environment", "name"]
        verbose_name = _("offer space")
        verbose_name_plural = _("offer spaces")
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "name"],
                condition=Q(design_space__isnull=True),
                name="offers_space_unique_name",
            ),
            # offerMgt finds a design space's live copy by this key.
            models.UniqueConstraint(fields=["design_space"], name="offers_space_one_live_copy"),
        ]

    def __str__(self):
        return f"{self.name} ({self.channel})" if self.channel_id else self.name


class OfferQuerySet(models.QuerySet):
    def design(self):
        return self.filter(environment__kind=EnvironmentKind.DESIGN)

    def live(self):
        return self.filter(environment__kind=EnvironmentKind.LIVE)

    def active_live(self):
        """Live copies that are deployed and not deactivated."""
        return self.live().filter(deactivated_at__isnull=True)

    def awaiting_approval(self):
        return self.design().filter(status__in=[OfferStatus.EDITION, OfferStatus.PENDING_APPROVAL])

    def approved_for_deployment(self):
        return self.design().filter(status=OfferStatus.APPROVED)


class Offer(models.Model):
    """An offer. Design offers are edited and go through content and eligibility
    approval; a live offer is offerMgt's copy of the last approved version of one."""

    environment = models.ForeignKey(
        Environment, verbose_name=_("environment"), on_delete=models.PROTECT, related_name="offers"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="offers"
    )
    code = models.SlugField(_("code"), max_length=100)
    label = models.CharField(_("label"), max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=OfferStatus, default=OfferStatus.EDITION)
    weight = models.PositiveIntegerField(_("weight"), default=1)
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    content = models.TextField(
        _("default content"),
        blank=True,
        help_text=_("Shown in the spaces that have no content of their own."),
    )
    target = models.JSONField(
        _("target filter"),
        null=True,
        blank=True,
        help_text=_("A saved recipient filter; empty: every recipient of the environment."),
    )
    # Every edit adds one: an approval is given to the version the approver saw, and a
    # live copy says which version it is.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)
    content_approval = models.CharField(
        _("content approval"), max_length=20, choices=Approval, default=Approval.PENDING, db_default="pending"
    )
    content_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("content decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    content_decided_at = models.DateTimeField(_("content decided at"), null=True, blank=True)
    eligibility_approval = models.CharField(
        _("eligibility approval"),
        max_length=20,
        choices=Approval,
        default=Approval.PENDING,
        db_default="pending",
    )
    eligibility_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("eligibility decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    eligibility_decided_at = models.DateTimeField(_("eligibility decided at"), null=True, blank=True)
    # Live rows: the design offer copied (kept after that row is deleted, see above).
    design_offer = models.ForeignKey(
        "self",
        verbose_name=_("design offer"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # offers_offer_one_live_copy indexes it
        related_name="live_copies",
    )
    # Who granted the approval that completed both, and when.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    deployed_at = models.DateTimeField(_("deployed at"), null=True, blank=True)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["environment", "code"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        permissions = [
            ("approve_offer", _("Can approve offers")),
            ("view_live_offer", _("Can see live offers")),
            ("deploy_offers", _("Can deploy the offer catalog now")),
        ]
        constraints = [
            # A code names one offer of an environment; a deactivated live copy keeps
            # its code while a new offer of that code goes live (codes never change).
            models.UniqueConstraint(
                fields=["environment", "code"],
                condition=Q(deactivated_at__isnull=True),
                name="offers_offer_unique_code",
            ),
            # offerMgt finds a design offer's live copy (one at most) by this key.
            models.UniqueConstraint(fields=["design_offer"], name="offers_offer_one_live_copy"),
        ]
        indexes = [
            # offerMgt: approved design offers waiting for deployment.
            models.Index(
                fields=["approved_at"],
                name="offers_offer_approved",
                condition=Q(status=OfferStatus.APPROVED),
            ),
            # cleanup: deactivated live offers past the proposition retention.
            models.Index(
                fields=["deactivated_at"],
                name="offers_offer_deactivated",
                condition=Q(deactivated_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.code} ({self.environment})"


class OfferContent(models.Model):
    """An offer's content in one offer space (its representation there)."""

    offer = models.ForeignKey(
        Offer, verbose_name=_("offer"), on_delete=models.CASCADE, related_name="contents"
    )
    space = models.ForeignKey(
        OfferSpace, verbose_name=_("offer space"), on_delete=models.CASCADE, related_name="contents"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    text = models.TextField(_("text"), blank=True)
    link = models.URLField(_("link"), max_length=500, blank=True)

    class Meta:
        ordering = ["offer", "space"]
        verbose_name = _("offer content")
        verbose_name_plural = _("offer contents")
        constraints = [
            # One content per offer and space; offerMgt copies them by offer.
            models.UniqueConstraint(fields=["offer", "space"], name="offers_content_unique_space"),
        ]

    def __str__(self):
        return self.title or str(self.space)


class OfferAuditQuerySet(models.QuerySet):
    def of_offer(self, offer):
        return self.filter(offer=offer).select_related("by").order_by("-at", "-id")


class OfferAudit(models.Model):
    """One line of an offer's audit trail: who did what (edited, approved, rejected,
    re-initialized the approval, disabled, deleted) to which version, and when."""

    offer = models.ForeignKey(
        Offer, verbose_name=_("offer"), null=True, on_delete=models.SET_NULL, related_name="audit"
    )
    offer_code = models.CharField(_("offer code"), max_length=100)
    action = models.CharField(_("action"), max_length=30, choices=AuditAction)
    version = models.PositiveIntegerField(_("version"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    objects = OfferAuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("offer audit entry")
        verbose_name_plural = _("offer audit trail")
        indexes = [
            # The offer page lists its trail, newest first.
            models.Index(fields=["offer", "at"], name="offers_audit_offer"),
            # cleanup purges the trail by age.
            models.Index(fields=["at"], name="offers_audit_at"),
        ]

    def __str__(self):
        return f"{self.offer_code} {self.get_action_display()}"


class DeploymentRequest(models.Model):
    """The "deploy again" flag (one row): an approval adds one to `requested`; a
    deployment that saw `requested` = n sets `deployed` = n once done. A request that
    arrives while a deployment runs leaves requested > deployed, and the running
    deployment goes round once more (offers.deployment)."""

    requested = models.PositiveBigIntegerField(_("requests"), default=0)
    deployed = models.PositiveBigIntegerField(_("requests deployed"), default=0)
    requested_at = models.DateTimeField(_("last requested at"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("deployment request")
        verbose_name_plural = _("deployment requests")

    def __str__(self):
        return f"{self.deployed}/{self.requested}"

    @property
    def pending(self):
        return self.requested > self.deployed


class PropositionQuerySet(models.QuerySet):
    def of_delivery(self, delivery):
        return self.filter(delivery=delivery)

    def between(self, start, end):
        return self.filter(proposed_at__gte=start, proposed_at__lt=end)


class Proposition(models.Model):
    """An offer proposed to one profile (NmsPropositionRcp): a live offer, in a live
    offer space, on a channel, possibly in a delivery; its status and weight."""

    offer = models.ForeignKey(
        Offer, verbose_name=_("offer"), on_delete=models.DO_NOTHING, related_name="propositions"
    )
    space = models.ForeignKey(
        OfferSpace, verbose_name=_("offer space"), on_delete=models.DO_NOTHING, null=True, blank=True
    )
    # Indexed by offers_prop_delivery (named, with its query).
    delivery = models.ForeignKey(
        "campaign.Delivery",
        verbose_name=_("delivery"),
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        db_index=False,
    )
    # Not indexed: read by the proposition cube's full rebuild and the admin filter,
    # which scans by date anyway; an index would only slow the writes.
    channel = models.ForeignKey(
        "campaign.Channel",
        verbose_name=_("channel"),
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        db_index=False,
    )
    profile_table = models.CharField(_("profile table"), max_length=20, choices=ProfileTable)
    profile_id = models.BigIntegerField(_("profile id"))
    status = models.CharField(
        _("status"), max_length=20, choices=PropositionStatus, default=PropositionStatus.GENERATED
    )
    weight = models.FloatField(_("weight"), default=1.0)
    proposed_at = models.DateTimeField(_("proposed at"))
    updated_at = models.DateTimeField(_("status changed at"), null=True, blank=True)

    objects = PropositionQuerySet.as_manager()

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

    def __str__(self):
        return f"#{self.pk} {self.offer_id} → {self.profile_table} {self.profile_id}"


# --- The live environment, read-only, as the admin shows it to delivery operators -----


class LiveOffer(Offer):
    """Offers of the live environment (a proxy: same table), read-only."""

    class Meta:
        proxy = True
        default_permissions = ()  # offers.view_live_offer governs them
        verbose_name = _("live offer")
        verbose_name_plural = _("live offers")


class LiveCategory(Category):
    """Categories of the live environment (a proxy: same table), read-only."""

    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = _("live category")
        verbose_name_plural = _("live categories")


class LiveOfferSpace(OfferSpace):
    """Offer spaces of the live environment (a proxy: same table), read-only."""

    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = _("live offer space")
        verbose_name_plural = _("live offer spaces")
