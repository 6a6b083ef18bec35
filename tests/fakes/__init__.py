"""Fakes of the upstreams veogate calls, served on 127.0.0.1 so real clients can talk to them."""
