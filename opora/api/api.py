"""The versioned JSON API: /api/v1/, schema at /api/v1/openapi.json, docs at /api/docs."""

from ninja import NinjaAPI

from opora.automation.api import router as automation_router
from opora.feedback.api import router as feedback_router
from opora.knowledge.api import router as knowledge_router
from opora.sla.api import router as sla_router

from .auth import TokenAuth
from .customers import router as customers_router
from .errors import install_error_handlers
from .tickets import router as tickets_router

api = NinjaAPI(
    title="Opora API",
    version="1",
    description="Everything the Opora UI does. Authenticate with `Authorization: Bearer <token>`; "
    'errors are always {"error": {"code", "message", "fields"}}.',
    auth=TokenAuth(),
    urls_namespace="api-v1",
)
install_error_handlers(api)
api.add_router("", customers_router)
api.add_router("", tickets_router)
api.add_router("", sla_router)
api.add_router("", automation_router)
api.add_router("", feedback_router)
api.add_router("", knowledge_router)
