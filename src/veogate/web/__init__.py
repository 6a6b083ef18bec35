"""The faces for people: the playground at `/` and the console at `/console`.

Plain HTML, CSS and JavaScript modules shipped in the package (`assets/`), no build step and no
CDN; every page and asset is served with a strict Content-Security-Policy (`headers.py`).
"""
