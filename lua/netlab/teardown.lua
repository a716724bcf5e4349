-- netlab.teardown: lab:close(): a lab's processes stopped, what it made removed, newest first, its names free again.
local netns = require "netns"
local check = require "netlab.check"

local M = {}

function M.install(Lab, is_lab, clock)
  -- teardown: reverse order, namespaces and bridges whole, then wait until
  -- every name is free again. A lab whose host is private and whose process is
  -- leaving (lab.leaving, set by the interpreter's finish) stops its processes
  -- and does nothing more: its namespaces are mounts in the process's private
  -- /run/netns, its bridges devices of the private host namespace, and both go
  -- with the process (the names can collide with nothing, and deleting them
  -- one by one only waits for the kernel: a device's unregister is the most of
  -- a small lab's teardown).

  -- remove what the lab made, newest first; the names that must come free
  local function undo(self, try)
    local host = self.host.ns
    local gone = {}
    -- bridges and host ends (and through them their peers) in one batch: their
    -- names are free when it returns, and the namespaces then hold only their
    -- own. Only where the lab's host is private: in the real host a device of
    -- someone else's could carry the same group number.
    local grouped = false
    if self.private_host then
      for _, e in ipairs(self.made) do
        if e.kind == "bridge" or e.kind == "hostend" then
          grouped = pcall(host.link_del_group, host, self.group)
          break
        end
      end
    end
    for i = #self.made, 1, -1 do
      local e = self.made[i]
      if e.kind == "ns" then
        try(function()
          -- only the namespace we made: one that is already gone is fine, one
          -- that someone made again under the name is not ours
          -- compared while the lab's handle is still open: its namespace is
          -- alive, so no other can have its inode
          local ok, now = pcall(netns.open, e.name)
          if ok then
            local same = now.id == e.ns.id
            now:close()
            if same then netns.delete(e.name) end
          elseif type(now) ~= "table" or now.code ~= "ENOENT" then
            error(now, 0)
          end
          e.ns:close()
        end)
      elseif e.kind == "bridge" then
        if not grouped then
          try(function()
            if host:link(e.name) then host:link_del(e.name) end
          end)
        end
        gone[#gone + 1] = e.name
      elseif e.kind == "hostend" then
        -- goes with the namespace of its peer; a veth between two bridges has both ends here
        if e.pair and not grouped then try(function() if host:link(e.name) then host:link_del(e.name) end end) end
        gone[#gone + 1] = e.name
      elseif e.kind == "nat" then
        try(host.nat_flush, host, { table = e.name })
      end
    end
    for key, value in pairs(self.restore) do try(host.sysctl, host, key, value) end
    return gone
  end

  function Lab:close()
    check.self(self, is_lab, "close", "lab", 2)
    if self.closed then return end
    self.closed = true
    self:_progress(true)
    self:_stop_timeline()
    local errors = {}
    local function try(f, ...)
      local ok, e = pcall(f, ...)
      if not ok then errors[#errors + 1] = tostring(e) end
    end
    -- every service at once: its stop signal, a grace period, then SIGKILL
    try(require("netlab.service").stop_all, self.procs)
    for i = #self.procs, 1, -1 do
      local p = self.procs[i].proc
      try(function()
        if p:alive() then p:kill("KILL") end
        p:wait(2)
      end)
    end
    if not (self.private_host and self.leaving) then
      local host = self.host.ns
      -- the kernel frees a deleted namespace's devices asynchronously: report
      -- done only once their names can be taken again
      local deadline = clock() + 5
      for _, name in ipairs(undo(self, try)) do
        while host:link(name) and clock() < deadline do netns.sleep(0.005) end
        if host:link(name) then errors[#errors + 1] = "interface " .. name .. " still exists" end
      end
    end
    self.made, self.procs = {}, {}
    if #errors > 0 then
      error("netlab: teardown of lab " .. self.name .. ": " .. table.concat(errors, "; "), 0)
    end
  end
end

return M
