"""API shapes for instruments and assessments. Serializers check shape; services decide."""

from rest_framework import serializers

from assessments.models import Assessment


class ScoreInput(serializers.Serializer):
    inputs = serializers.DictField(help_text="Field name → value, as in the instrument schema.")


class AssessmentInput(serializers.Serializer):
    date = serializers.DateField()
    instrument = serializers.CharField(max_length=32)
    inputs = serializers.DictField()


class AssessmentOutput(serializers.ModelSerializer):
    date = serializers.DateField(source="visit.date")
    visit_id = serializers.IntegerField(source="visit.id")
    entered_by = serializers.StringRelatedField()
    result = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = [
            "id", "date", "visit_id", "instrument", "version", "inputs", "context",
            "score", "max_score", "category", "label", "result", "entered_by",
            "created_at", "modified_at",
        ]

    def get_result(self, obj) -> dict:
        return obj.result()


class AssessmentFilterInput(serializers.Serializer):
    instrument = serializers.CharField(required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, attrs):
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and start > end:
            raise serializers.ValidationError({"date_to": ["date_to is before date_from."]})
        return attrs
