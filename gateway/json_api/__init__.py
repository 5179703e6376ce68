"""The JSON API's error format and body reading, shared by the staff and customer routes and
the channels' webhooks, so every HTTP endpoint fails the same way."""
