"""Choices of the tracking app and the mapping of URL types to Adobe's codes."""

from campaign.choices import TrackingKind

# Adobe's nmsTrackingUrl/@type code of each kind (reference §10), shown on screens and
# in exports so that figures read like the platform's.
ADOBE_URL_TYPE = {
    TrackingKind.CLICK: 1,
    TrackingKind.OPEN: 2,
    TrackingKind.OPT_OUT: 3,
    TrackingKind.WEB: 4,
    TrackingKind.TRANSACTION: 5,
    TrackingKind.MIRROR: 6,
    TrackingKind.INTERESTED: 11,
}
