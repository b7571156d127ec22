"""The public views (公开查询): the worker card, the company report, search, the red and black lists, and the
complaint and rating forms — what anyone may see and do without a token (spec §4.4 "Public, no token")."""
