"""Workers' vocational skill certificates (职业技能证书)."""
