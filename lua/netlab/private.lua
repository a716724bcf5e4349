-- netlab.private: each node's own /run, /tmp, /var/tmp, hostname and files (node:file), in a directory of the lab's that goes with it.
--
-- Every command a node runs gets them (src/private.c): the node's run/, tmp/
-- and var-tmp/ over /run (the lab's /run/netns bound back), /tmp and /var/tmp,
-- its copies of the machine's files and directories node:file wrote into, and
-- the node's name as its hostname; /etc/netns/NODE/* over /etc/*, as `ip netns
-- exec` binds them.
local netns = require "netns"

local M = {}

-- The lab's directory for its nodes, made with the first node. In an isolated
-- process it is on the process's hidden tmpfs (netns.private_root): it goes
-- with the process, SIGKILL included. A --host lab's is the one the
-- interpreter names next to its journal, journaled before it is made (netlab
-- clean removes it after a crash); anywhere else a fresh one. Teardown removes
-- it.
local function area(lab)
  if lab.private_area then return lab.private_area end
  local dir = lab.private_dir
  if dir then
    lab:_record("private", dir)
    netns.private_make(dir)
  else
    local root = netns.private_root()
    if root then
      -- named after the lab, numbered among the labs of this process: the same from run to run
      local tag = (lab.name:gsub("[^%w_.-]", "_")):sub(1, 64)
      for n = 1, math.huge do
        local ok, made = pcall(netns.private_make, ("%s/%s-%d"):format(root, tag, n))
        if ok then dir = made break end
        if type(made) ~= "table" or made.code ~= "EEXIST" then error(made, 0) end
      end
    else
      dir = netns.private_make()
    end
    lab:_record("private", dir)
  end
  lab.private_area = dir
  return dir
end

-- node's commands get their own directories (made the first time one runs)
function M.node(lab, node)
  local dir = area(lab) .. "/" .. node.name
  node.ns:private(dir, node.name)
  node.private = dir
end

return M
