"""信用评价: versioned models of pure features, stored evaluations with factors and improvements."""
