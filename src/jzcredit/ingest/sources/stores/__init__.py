"""Companies' stores (门店)."""
