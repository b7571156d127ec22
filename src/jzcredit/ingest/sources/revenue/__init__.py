"""Companies' yearly revenue (营业收入)."""
