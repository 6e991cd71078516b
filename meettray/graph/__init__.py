"""Microsoft Graph: the client (:mod:`.client`) over HTTPS (:mod:`.transport`), the wire
format (:mod:`.wire`) and Graph's errors (:mod:`.errors`), mirroring the fake's seams
in :mod:`meettray.demo.fake365`."""

from meettray.graph.client import CreateResult, GraphClient
from meettray.graph.transport import retry_delay

__all__ = ["CreateResult", "GraphClient", "retry_delay"]
