"""Companies (家政企业): the company register."""
