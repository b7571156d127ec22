"""Graded supervision (分级分类监管): yearly 双随机 inspection plans (spec §3.7)."""
