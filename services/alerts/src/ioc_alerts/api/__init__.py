"""The alert service's HTTP side: acknowledgement links and the operators' API."""
