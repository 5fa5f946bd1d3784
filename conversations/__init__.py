"""Channel-agnostic dialogs: (state, inbound) -> (new state, replies). No network here."""
