"""The network model: places, rail links, border crossings, road, sea and air connections."""

from landbridge.network.loader import default_network, load_network
from landbridge.network.models import BorderCrossing, Network, Place, RailLink, haversine_km

__all__ = ["BorderCrossing", "Network", "Place", "RailLink", "default_network", "haversine_km", "load_network"]
