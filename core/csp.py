"""The Content-Security-Policy (settings.CONTENT_SECURITY_POLICY), with one allowance.

Django REST framework's browsable API pages (HTML under /api/) style a few elements
inline; they may use inline styles. Inline scripts stay refused everywhere.
"""

from csp.middleware import CSPMiddleware

API_PREFIX = "/api/"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def process_response(self, request, response):
        if (request.path.startswith(API_PREFIX)
                and response.get("Content-Type", "").startswith("text/html")):
            response._csp_update = {"style-src": ["'unsafe-inline'"]}
        return super().process_response(request, response)
