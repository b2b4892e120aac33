"""Local servers that speak vendors' wire protocols, so the real SDKs run unchanged."""
