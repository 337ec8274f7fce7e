from django.db import models


class Incident(models.Model):
    """The product's incident table as far as the bare view reads it: the same table name,
    so that the bare project's query is the product's query, text for text. bench/cpu.py
    creates and fills it in the bare project's own database."""

    reference = models.CharField(max_length=32, unique=True)

    class Meta:
        managed = False
        db_table = "incidents_incident"

    def __str__(self) -> str:
        return self.reference
