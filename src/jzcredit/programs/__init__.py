"""Policy programs (政策测算): financing support, Jinan scale-operation and store subsidies."""
