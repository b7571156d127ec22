"""HTTP API (``/api/v1``) and the application factory :func:`jzcredit.api.app.create_app`."""
