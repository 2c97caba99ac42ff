"""In-app notifications (the inbox), per-user preferences and the optional e-mail and webhook channels."""
