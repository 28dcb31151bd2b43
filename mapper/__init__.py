"""The mapper library: the search the mapping passes share.

`spatial` generates spatial unrolling candidates, `temporal` factors and orders
the loops left in time, `layer` combines both for one layer and caches the
result per distinct layer, so ResNet's repeated shapes are searched once.
Every candidate is scored with the cost model (`dsec.cost`).
"""
