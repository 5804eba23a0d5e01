"""From audit to action: camera siting, hot spots, near repeats and patrol routes."""
