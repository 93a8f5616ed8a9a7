from django.db import models


class ProbeRow(models.Model):
    """A row that belongs to a delivery, purged by age."""

    delivery = models.ForeignKey("campaign.Delivery", on_delete=models.DO_NOTHING, related_name="+")
    noted_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["id"]
