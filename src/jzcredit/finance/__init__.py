"""The bank view (金融机构查询): company authorisations of banks and the inquiry log."""
