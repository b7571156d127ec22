"""Credit commitments (信用承诺): notification, voluntary, industry and repair commitments."""
