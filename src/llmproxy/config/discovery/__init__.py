"""Provider model discovery: deploy the models an upstream lists (``"discover": true``).

``select`` decides which interfaces discover and what they add; ``upstream`` reads the lists over
HTTP. The loader injects a ``ModelLister`` so the rest of the config pipeline stays pure (tests
pass a fake). Nothing is cached between runs: every load reads the lists again.
"""

from llmproxy.config.discovery.select import Discovered, discover_models
from llmproxy.config.discovery.upstream import Listing, ListingError, ModelLister, http_lister

__all__ = ["Discovered", "Listing", "ListingError", "ModelLister", "discover_models", "http_lister"]
