from ninja import Router

from .results_api import router as results_router

router = Router(tags=["testing"])
router.add_router("", results_router)
