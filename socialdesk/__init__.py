"""socialdesk: the social-media desk of HAI-DJPb."""

__version__ = "0.1.0"
