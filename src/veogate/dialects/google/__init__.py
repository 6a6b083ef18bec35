"""Google's own Veo protocols, served by veogate: the Gemini API and Vertex AI dialects.

They share the request body (`instances` + `parameters`), the error shape and the way
jobs are named; they differ in paths, in how an operation is polled and in how videos
come back (a download URI on the Gemini API, inline bytes or a URL on Vertex AI).
"""
