"""API shapes for patients and visits. Serializers check shape; services decide."""

from rest_framework import serializers

from registry.models import Patient, PatientCondition, Site, Visit


class PatientConditionOutput(serializers.ModelSerializer):
    code = serializers.CharField(source="condition.code")
    name = serializers.CharField(source="condition.name")

    class Meta:
        model = PatientCondition
        fields = ["code", "name", "onset_date"]


class PatientOutput(serializers.ModelSerializer):
    site = serializers.CharField(source="site.code")
    conditions = PatientConditionOutput(many=True, read_only=True)

    class Meta:
        model = Patient
        fields = [
            "study_id", "site", "mrn", "given_name", "family_name", "date_of_birth", "sex",
            "ethnicity", "race", "enrolled_on", "status", "conditions",
            "created_at", "modified_at",
        ]


class PatientInput(serializers.ModelSerializer):
    site = serializers.SlugRelatedField(slug_field="code", queryset=Site.objects.all())

    class Meta:
        model = Patient
        fields = [
            "site", "mrn", "given_name", "family_name", "date_of_birth", "sex",
            "ethnicity", "race", "enrolled_on", "status",
        ]
        # Uniqueness and cross-field rules belong to the service (one message source).
        validators = []


class VisitOutput(serializers.ModelSerializer):
    entered_by = serializers.StringRelatedField()

    class Meta:
        model = Visit
        fields = [
            "id", "date", "kind", "weight_kg", "height_cm", "bmi", "notes", "entered_by",
            "created_at", "modified_at",
        ]


class VisitInput(serializers.ModelSerializer):
    class Meta:
        model = Visit
        fields = ["date", "kind", "weight_kg", "height_cm", "notes"]
        validators = []
