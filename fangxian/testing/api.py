from ninja import Router

from .campaigns_api import router as campaigns_router

router = Router(tags=["testing"])
router.add_router("", campaigns_router)
