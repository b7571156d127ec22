"""The change feed (变更推送) to an upper-level platform: what changed in the credit records, in commit order,
behind an opaque cursor; exported as JSONL, pushed to and received by another instance."""
