"""Customer personal data: finding and masking it, and erasing it on request or by age."""
