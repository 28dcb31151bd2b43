"""dsec dialect: the ops, attributes and grammar of the IR."""
