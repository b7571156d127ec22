"""The worker's card (上门服务证) as a credential: the signed, dated QR token, the card page's verdict, the
scan log, and the printable card image."""
