"""Registry: companies, workers, consumers, employments, consents (信用主体)."""
