"""Workers (家政服务员): identity, consents and current employer."""
