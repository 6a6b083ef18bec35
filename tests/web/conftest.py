from tests.support.browser import browser, context, page

__all__ = ["browser", "context", "page"]
