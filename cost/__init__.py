"""The cost model: ZigZag's analytical model written as small pure functions.

workload  -> what each operand of a layer depends on and how big its tiles are
levels    -> the mapping seen per operand: loops per memory level, spatial per level
traffic   -> data moved per operand, memory level and direction, with periods
energy    -> word accesses and energy per memory and operand, MAC energy
latency   -> stalls, onloading, offloading, utilization
evaluate  -> one layer's LayerCost from the functions above
"""
