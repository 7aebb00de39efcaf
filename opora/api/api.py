"""The versioned JSON API: /api/v1/, schema at /api/v1/openapi.json, docs at /api/docs."""

from ninja import NinjaAPI

from opora.analytics.api import router as analytics_router
from opora.authority.api import router as authority_router
from opora.automation.api import router as automation_router
from opora.chat.api import router as chat_router
from opora.entitlements.api import router as entitlements_router
from opora.feedback.api import router as feedback_router
from opora.fieldservice.api import router as fieldservice_router
from opora.improvements.api import router as improvements_router
from opora.incidents.api import router as incidents_router
from opora.knowledge.api import router as knowledge_router
from opora.messengers.api import router as messengers_router
from opora.people.api import router as people_router
from opora.quality.api import router as quality_router
from opora.sla.api import router as sla_router
from opora.success.api import router as success_router
from opora.telephony.api import router as telephony_router
from opora.voices.api import router as voices_router

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
api.add_router("", chat_router)
api.add_router("", telephony_router)
api.add_router("", messengers_router)
api.add_router("", entitlements_router)
api.add_router("", incidents_router)
api.add_router("", authority_router)
api.add_router("", improvements_router)
api.add_router("", quality_router)
api.add_router("", people_router)
api.add_router("", analytics_router)
api.add_router("", fieldservice_router)
api.add_router("", success_router)
api.add_router("", voices_router)
