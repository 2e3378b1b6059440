"""The five vendors' wire formats, rendered from the simulator's data set."""
