"""Tests of the JSON API: its endpoints, its OpenAPI description, and schemathesis."""
