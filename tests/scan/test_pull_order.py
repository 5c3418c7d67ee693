"""The APKs to pull are handed out biggest first (issue 20: so the last copy, and the
last inspection after the cable is done, is a small one)."""

from __future__ import annotations

import asyncio

from audit.apk_pipeline import _BiggestFirst, _Item


def test_biggest_first_then_none_once_closed():
    async def go() -> list:
        order = _BiggestFirst()
        a, b, c, d, e = (_Item(f"/system/app/{n}/{n}.apk", None) for n in "ABCDE")
        order.add([a, b, c], [3_000, 90_000_000, 0])
        got = [await order.take()]  # B: the biggest of what is queued so far
        order.add([d, e], [3_000, 40_000_000])  # more arrive while B is pulled
        waiting = asyncio.ensure_future(asyncio.gather(*(order.take() for _ in range(4))))
        await asyncio.sleep(0)
        late = asyncio.ensure_future(order.take())  # nothing left: waits until closed
        await asyncio.sleep(0.01)
        assert not late.done()
        order.close()
        got += await waiting
        got.append(await late)
        return [i.path.rsplit("/", 1)[1] if i else None for i in got]

    # equal sizes keep their queue order (A before D); an unknown size (0) comes last
    assert asyncio.run(go()) == ["B.apk", "E.apk", "A.apk", "D.apk", "C.apk", None]


def test_an_apk_not_sized_yet_is_taken_rather_than_waited_for():
    async def go() -> list:
        order = _BiggestFirst()
        a, b, c = (_Item(f"/system/app/{n}/{n}.apk", None) for n in "ABC")
        order.add([a, b, c])  # sizes not known yet: the pullers need not wait for them
        got = [await order.take()]  # A: the oldest
        order.sized([a, b, c], [1, 5_000, 9_000_000])  # A is gone; B and C by size
        got += [await order.take(), await order.take()]
        order.close()
        got.append(await order.take())
        return [i.path.rsplit("/", 1)[1] if i else None for i in got]

    assert asyncio.run(go()) == ["A.apk", "C.apk", "B.apk", None]
