"""API shapes for laboratory results. Serializers describe and check shape; the service
(biomarkers.services.lab_results_ingest) decides.

The batch items are read by biomarkers.parsing.jsonitem rather than a nested serializer,
because a bad item must come back as that item's outcome, not fail the whole batch; the
item serializer below documents the shape in the OpenAPI schema.
"""

from rest_framework import serializers

from biomarkers.models import COMPARATOR_VALUES, LabResult, ResultStatus


class PatientIdentifierInput(serializers.Serializer):
    study_id = serializers.CharField(required=False, help_text="Registry study id, FR-000123.")
    site = serializers.CharField(required=False, help_text="Site code (with mrn).")
    mrn = serializers.CharField(required=False, help_text="Medical record number at the site.")


class LabResultItemInput(serializers.Serializer):
    patient = PatientIdentifierInput()
    analyte = serializers.CharField(required=False, help_text="Catalogue code, e.g. IL6, CRP.")
    loinc = serializers.CharField(required=False, help_text="LOINC code, e.g. 26881-3.")
    value = serializers.CharField(help_text='A number, or a string such as "<0.5".')
    comparator = serializers.ChoiceField(choices=COMPARATOR_VALUES, required=False)
    unit = serializers.CharField(help_text="UCUM or lab spelling; converted to canonical.")
    collected_at = serializers.DateTimeField(help_text="Specimen collection, ISO 8601 with offset.")
    resulted_at = serializers.DateTimeField(required=False)
    external_id = serializers.CharField(max_length=200, help_text="The lab's result id.")
    status = serializers.ChoiceField(choices=ResultStatus.choices)
    reference_range = serializers.CharField(required=False)
    interpretation = serializers.CharField(required=False)
    method = serializers.CharField(required=False)
    specimen = serializers.CharField(required=False)


class LabResultBatchInput(serializers.Serializer):
    results = LabResultItemInput(many=True, help_text="At most 5,000 results.")


class ItemOutcomeOutput(serializers.Serializer):
    index = serializers.IntegerField()
    outcome = serializers.ChoiceField(
        choices=["created", "unchanged", "updated", "retracted", "parked", "rejected"]
    )
    id = serializers.IntegerField(allow_null=True)
    errors = serializers.ListField(child=serializers.CharField())
    notes = serializers.ListField(child=serializers.CharField(), required=False)


class LabResultBatchOutput(serializers.Serializer):
    results = ItemOutcomeOutput(many=True)
    summary = serializers.DictField(child=serializers.IntegerField())


class FlagOutput(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    source = serializers.CharField()


class LabResultOutput(serializers.ModelSerializer):
    """A stored result: canonical value and unit, and the value and unit as reported."""

    analyte = serializers.CharField(source="analyte_id")
    value = serializers.SerializerMethodField()
    flags = FlagOutput(many=True)
    source = serializers.CharField(source="source.name")
    visit_date = serializers.DateField(source="visit.date", allow_null=True, default=None)

    class Meta:
        model = LabResult
        fields = [
            "id", "analyte", "value", "unit", "comparator", "reported_value", "reported_unit",
            "collected_at", "resulted_at", "status", "flags", "reference_range",
            "interpretation", "method", "specimen", "source", "external_id", "visit_date",
        ]  # fmt: skip

    def get_value(self, result) -> str | None:
        return None if result.value is None else format(result.value.normalize(), "f")


class LabReadBackOutput(LabResultOutput):
    """What a laboratory posted, read back with its key: no patient identity, and no patient
    fact either. Flags are left out because some derive from the patient (the age-adjusted
    D-dimer cut-off names the age); docs/security.md "Laboratory keys"."""

    class Meta(LabResultOutput.Meta):
        fields = [f for f in LabResultOutput.Meta.fields if f not in ("visit_date", "flags")]


class ErrorOutput(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
