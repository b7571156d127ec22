"""Consumer ratings kept by a company's own system before it joined (历史消费者评价)."""
