"""Social insurance a company paid for its employees, by year (社会保险缴费)."""
