"""Cubes: the Offer proposition and Message Center cubes, their Full aggregates
(agg_nmspropositionrcp_full, agg_messageCenter_full), the archive of Message Center
events, the event intake (PushEvent) and the cube report pages."""
