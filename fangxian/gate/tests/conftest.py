import pytest

from conftest import trusting
from fangxian.gate.checking import KEYS
from fangxian.gate.models import Gate


@pytest.fixture
def gate(world):
    """Xiangchang's market gate, trusted by Yong'an, kept by the gate keeper; no key cached
    from another test's database."""
    KEYS.entries.clear()
    gate = Gate.objects.create(community=world.xiangchang, name="菜市场门", direction="both")
    trusting(gate, world.yongan)
    gate.keepers.add(world.users["gate_keeper"])
    return gate
