"""The demo district, played forward through the real services (``minqing setup-demo``)."""
