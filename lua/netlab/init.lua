-- netlab: the lab library (nodes, links, bridges, addressing, teardown) over the netns module.
local netlab = {
  version = "0.1.0",
}

return netlab
