"""GraphQL-facing reads and writes: resolver functions and the per-request dataloaders."""
