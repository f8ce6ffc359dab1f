"""Who is asking: passwords, sessions and tokens, strong identification, access decisions."""
