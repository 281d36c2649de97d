from ninja import Router

from .campaigns_api import router as campaigns_router
from .results_api import router as results_router

router = Router(tags=["testing"])
router.add_router("", campaigns_router)
router.add_router("", results_router)
