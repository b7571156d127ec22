"""名单: red / black / watch list rules, candidates, review, prior notices and the measures catalogue."""
