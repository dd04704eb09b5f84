"""What keeps a run from harming data it did not create: the ledger of what it owns, the proof of
ownership, the references it may write, and stopping signals that wait for the write in flight."""
