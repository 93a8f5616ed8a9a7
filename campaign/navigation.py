"""The sidebar's explorer tree, mirroring the platform's (Administration › Production ›
Technical workflows…). Each leaf names the permission needed to see it."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (label, [children]) for folders; (label, url name, permission) for leaves.
TREE = [
    (
        _("Profiles and targets"),
        [
            (_("Recipients"), "admin:campaign_recipient_changelist", "campaign.view_recipient"),
            (
                _("External profiles"),
                "admin:campaign_externalprofile_changelist",
                "campaign.view_externalprofile",
            ),
            (_("Lists"), "admin:campaign_recipientlist_changelist", "campaign.view_recipientlist"),
        ],
    ),
    (
        _("Campaigns"),
        [
            (_("Deliveries"), "admin:campaign_delivery_changelist", "campaign.view_delivery"),
            (_("Delivery logs"), "admin:campaign_deliverylog_changelist", "campaign.view_deliverylog"),
            (_("Message Center events"), "admin:campaign_event_changelist", "campaign.view_event"),
        ],
    ),
    (
        _("Offers"),
        [
            (_("Offers"), "admin:offers_offer_changelist", "offers.view_offer"),
            (_("Categories"), "admin:offers_category_changelist", "offers.view_category"),
            (_("Offer spaces"), "admin:offers_offerspace_changelist", "offers.view_offerspace"),
            (_("Propositions"), "admin:offers_proposition_changelist", "offers.view_proposition"),
        ],
    ),
    (
        _("Administration"),
        [
            (
                _("Campaign Management"),
                [
                    (
                        _("Non deliverables management"),
                        "admin:campaign_quarantine_changelist",
                        "campaign.view_quarantine",
                    ),
                    (
                        _("Customer metrics"),
                        "admin:reporting_customer_metrics",
                        "reporting.view_activeprofilesnapshot",
                    ),
                    (
                        _("Billing reports"),
                        "admin:reporting_billingreport_changelist",
                        "reporting.view_billingreport",
                    ),
                ],
            ),
            (
                _("Production"),
                [
                    (
                        _("Technical workflows"),
                        "admin:workflows_workflow_changelist",
                        "workflows.view_workflow",
                    ),
                    (
                        _("Workflow runs"),
                        "admin:workflows_workflowrun_changelist",
                        "workflows.view_workflowrun",
                    ),
                    (
                        _("Schedules (periodic tasks)"),
                        "admin:django_celery_beat_periodictask_changelist",
                        "django_celery_beat.view_periodictask",
                    ),
                ],
            ),
            (
                _("Platform"),
                [
                    (_("Enumerations"), "admin:campaign_enumeration_changelist", "campaign.view_enumeration"),
                    (_("Channels"), "admin:campaign_channel_changelist", "campaign.view_channel"),
                    (
                        _("Deployment wizard › Purge data"),
                        "campaign_purge_settings",
                        "campaign.change_purgesettings",
                    ),
                ],
            ),
            (
                _("Access management"),
                [
                    (_("Operators"), "admin:auth_user_changelist", "auth.view_user"),
                    (_("Operator groups"), "admin:auth_group_changelist", "auth.view_group"),
                ],
            ),
        ],
    ),
]


def _visible(nodes, user, current_path):
    visible = []
    for node in nodes:
        if len(node) == 2:
            label, children = node
            kids = _visible(children, user, current_path)
            if kids:
                visible.append({"label": label, "children": kids, "open": any(k["open"] for k in kids)})
            continue
        label, url_name, permission = node
        if not user.has_perm(permission):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:  # the app providing it is not installed
            continue
        visible.append({"label": label, "url": url, "open": current_path.startswith(url)})
    return visible


def explorer_tree(request):
    return _visible(TREE, request.user, request.path)
