"""Nothing is kept in memory per resident once they are onboarded (bench/load.py, memory)."""

from __future__ import annotations

from tests.support.chat import last_with, onboard


async def test_an_onboarded_resident_leaves_no_user_data_behind(sim, harness):
    await harness.prepare("indicators", ["shalom"])
    await harness.start()
    users = [sim.user(892 + i) for i in range(3)]
    for user in users:
        await onboard(sim, user)
        assert last_with(user, "a:")  # onboarded: the first question is out
    assert not any(user.chat_id in harness.application.user_data for user in users)
